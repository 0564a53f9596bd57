# Member data (members, enrolment spans, access grants) is deliberately not in Django's
# admin: it is read and written only through the product's pages, scoped to the acting
# organisation and audited. The carehub admin site refuses to register it.
