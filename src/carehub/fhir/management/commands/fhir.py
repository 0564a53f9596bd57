"""carehub fhir ...: the FHIR API from the command line.

    carehub fhir client add --org SLUG --name NAME --jwks FILE|URL --scopes "..." [--role ROLE]
    carehub fhir client list [--org SLUG]
    carehub fhir client revoke CLIENT_ID

Each subcommand's parser sets `handler` (a function (command, options) -> None). Other
areas add theirs in their own module with one line in `add_arguments` below:
`carehub fhir validate PATH` comes from `carehub.fhir.validate_cli.add_validate_parser`.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any, NoReturn

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "The FHIR API: partner systems (client add, list, revoke) and resource checks."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="area", required=True)
        add_client_parser(sub)
        # The resources area's `validate` subcommand, in its own module.
        if importlib.util.find_spec("carehub.fhir.validate_cli") is not None:
            from carehub.fhir.validate_cli import add_validate_parser  # type: ignore[import-not-found,unused-ignore]

            add_validate_parser(sub)

    def handle(self, *args: Any, **options: Any) -> None:
        options["handler"](self, options)


def add_client_parser(sub: Any) -> None:
    client = sub.add_parser("client", help="partner systems: OAuth2 clients of the FHIR API")
    actions = client.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="register a partner system; prints its client_id")
    add.add_argument("--org", required=True, help="the organisation's slug")
    add.add_argument("--name", required=True, help="the system's name")
    add.add_argument("--jwks", required=True,
                     help="a file holding the public JWK Set, or the https URL publishing it")
    add.add_argument("--scopes", required=True, help='e.g. "system/Task.rs system/Patient.r"')
    add.add_argument("--role", default=None,
                     help="the role it acts in (default: by the organisation's kind)")
    add.set_defaults(handler=client_add)
    listing = actions.add_parser("list", help="the registered partner systems")
    listing.add_argument("--org", default=None, help="only this organisation's")
    listing.set_defaults(handler=client_list)
    revoke = actions.add_parser("revoke", help="revoke a partner system and its tokens")
    revoke.add_argument("client_id")
    revoke.set_defaults(handler=client_revoke)


def _fail(action: str, message: str) -> NoReturn:
    sys.stderr.write(f"carehub fhir client {action}: {message}\n")
    sys.exit(2)


def _token_url() -> str:
    from django.conf import settings
    from django.urls import reverse

    return f"{settings.SITE_URL}{reverse('fhir:token')}"


def client_add(command: BaseCommand, options: dict[str, Any]) -> None:
    from django_scopes import scopes_disabled

    from carehub.fhir.services import clients
    from carehub.tenancy.access import Acting
    from carehub.tenancy.models import Organisation

    org = Organisation.objects.filter(slug=options["org"]).first()
    if org is None:
        _fail("add", f"--org {options['org']}: no organisation has this slug")
    source = options["jwks"]
    jwks: Any = None
    jwks_url = ""
    if source.startswith(("https://", "http://")):
        jwks_url = source
    else:
        path = Path(source)
        try:
            jwks = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            _fail("add", f"--jwks {path}: cannot read: {exc.strerror or exc}")
        except ValueError as exc:
            _fail("add", f"--jwks {path}: not JSON: {exc}")
    try:
        with scopes_disabled():
            partner = clients.register(org, name=options["name"], scopes=options["scopes"],
                                       role=options["role"], jwks=jwks, jwks_url=jwks_url,
                                       acting=Acting.system(org))
    except ValidationError as exc:
        problems = [f"--{field.replace('_', '-') if field != 'jwks_url' else 'jwks'}: {m}"
                    for field, msgs in exc.message_dict.items() for m in msgs]
        _fail("add", "; ".join(problems))
    except PermissionDenied as exc:
        _fail("add", str(exc))
    command.stdout.write(f"client_id: {partner.client_id}\n"
                         f"token URL: {_token_url()}\n"
                         f"acts for {org.slug} as {partner.role} with scopes {partner.scopes}")


def client_list(command: BaseCommand, options: dict[str, Any]) -> None:
    from carehub.fhir.models import PartnerSystem

    partners = PartnerSystem.objects.select_related("organisation").order_by("organisation__slug", "name", "pk")
    if options["org"]:
        partners = partners.filter(organisation__slug=options["org"])
    for p in partners:
        status = f"revoked {p.revoked_at:%Y-%m-%d}" if p.revoked_at else "active"
        command.stdout.write(f"{p.client_id}\t{p.organisation.slug}\t{p.name}\t{p.role}\t"
                             f"{p.scopes}\t{status}")


def client_revoke(command: BaseCommand, options: dict[str, Any]) -> None:
    from django_scopes import scopes_disabled

    from carehub.fhir.models import PartnerSystem
    from carehub.fhir.services import clients
    from carehub.tenancy.access import Acting

    partner = PartnerSystem.objects.select_related("organisation").filter(
        client_id=options["client_id"]).first()
    if partner is None:
        _fail("revoke", f"{options['client_id']}: no partner system has this client_id")
    with scopes_disabled():
        clients.revoke(partner, acting=Acting.system(partner.organisation))
    command.stdout.write(f"revoked {partner.client_id} ({partner.name}, {partner.organisation.slug})")
