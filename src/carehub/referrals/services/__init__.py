"""Writing referrals and the work done on them: the referrals app's only writers.

Every writer takes the acting party as one keyword argument, `acting` (a
`tenancy.access.Acting`), runs in one transaction and audits with it. State changes go
through `transition` only. The modules, by topic:

- `base`: the errors (`RuleRefused` for the contract's rules), the timeline row, the audit event, the optimistic version check;
- `creation`: creating and rerouting referrals, assigning workers, access;
- `placement`: placing a referral where routing says, the hub's needs-routing queue;
- `states`: the state machine's writer, `transition`;
- `outreach`: outreach attempts and screenings;
- `consent`: consents and contact preferences;
- `delivery`: services logged and pathways;
- `notes`: case notes and engagement visits;
- `escalations`: raising, moving up and resolving escalations;
- `funds`: flexible funds;
- `bulk`: ranked lists and their assignment in bulk;
- `assignment`: a supervisor's assignment of many referrals to one worker;
- `leaving`, `departure_work`: a CBO leaving a contract with referrals in progress;
- `refer_on`: a positive screening domain referred on to a CBO offering it.

Callers use `from carehub.referrals import services` and the names below.
"""

from carehub.referrals.services import leaving
from carehub.referrals.services.assignment import StaleReferrals, assign_workers
from carehub.referrals.services.base import (
    AlreadyOwned,
    ConflictError,
    ReferralError,
    RuleRefused,
    contract_of,
    rules_of,
)
from carehub.referrals.services.bulk import (
    AssignResult,
    RefusedMember,
    assign_ranked_list,
    grant_assignment_access,
    save_ranked_list,
)
from carehub.referrals.services.consent import (
    record_consent,
    revoke_consent,
    set_contact_preference,
)
from carehub.referrals.services.creation import (
    assign_worker,
    create_referral,
    due_at_for,
    grant_access,
    open_referral_for,
    reroute,
    resolve_contract,
    withdraw_access,
)
from carehub.referrals.services.delivery import (
    SERVICE_STATES,
    complete_step,
    contract_service_codes,
    log_service,
    start_pathway,
)
from carehub.referrals.services.escalations import (
    EscalationRun,
    MovedUp,
    escalate_overdue,
    move_up_overdue,
    raise_escalation,
    resolve_escalation,
)
from carehub.referrals.services.funds import fund_balance, spend_funds
from carehub.referrals.services.notes import add_note, record_visit
from carehub.referrals.services.outreach import record_attempt, record_screening
from carehub.referrals.services.placement import (
    Placement,
    place_referral,
    route_from_queue,
)
from carehub.referrals.services.refer_on import ReferOnChoice, refer_on, refer_on_choices
from carehub.referrals.services.states import transition

__all__ = [
    "SERVICE_STATES", "AlreadyOwned", "AssignResult", "ConflictError", "EscalationRun",
    "MovedUp", "Placement", "ReferOnChoice", "ReferralError", "StaleReferrals", "add_note",
    "assign_ranked_list", "assign_worker", "assign_workers", "leaving",
    "complete_step", "contract_service_codes", "create_referral", "due_at_for",
    "escalate_overdue", "fund_balance", "grant_access", "grant_assignment_access",
    "log_service", "move_up_overdue", "open_referral_for", "place_referral", "raise_escalation",
    "record_attempt", "record_consent", "record_screening", "record_visit", "refer_on",
    "refer_on_choices", "RefusedMember", "RuleRefused", "reroute", "resolve_contract",
    "resolve_escalation", "route_from_queue", "contract_of", "rules_of", "revoke_consent",
    "save_ranked_list",
    "set_contact_preference", "spend_funds", "start_pathway", "transition",
    "withdraw_access",
]
