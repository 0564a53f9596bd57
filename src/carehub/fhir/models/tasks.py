"""Links between carehub referrals and the Tasks and ServiceRequests of source systems."""
