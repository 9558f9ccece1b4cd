"""Our side for the transport tests: the X12 profile of ACME, stock for its 850, and our AS2 identity
and ACME's AS2 settings, all in the test's store."""

from __future__ import annotations

from overture.bootstrap import Container
from overture.domain.partners import PartnerProfile, X12Identity
from overture.services.ports import As2Identity, As2PartnerSettings, MdnMode
from overture.services.retry import in_transaction
from tests.channels.transports.keys import KeyPair
from tests.factories import add_locations, add_skus, stock

ACME = PartnerProfile(
    "ACME", "Acme Stores", X12Identity("ZZ", "ACMEBUYER"), sku_xref={"ACME-001": "W", "ACME-002": "G"}
)


def seed_x12(container: Container) -> None:
    in_transaction(container.uow, lambda uow: uow.partners.put(ACME, container.clock()))
    add_locations(container, ["EWR"])
    add_skus(container, "W", "G")
    stock(container, "W", "EWR", 50)
    stock(container, "G", "EWR", 50)


def seed_as2(
    container: Container, *, ours: KeyPair, theirs: KeyPair, our_url: str, their_url: str, mdn_mode: MdnMode
) -> None:
    identity = As2Identity("OVERTURE", ours.private_key_pem, ours.certificate_pem, mdn_url=f"{our_url}/v1/edi/as2")
    settings = As2PartnerSettings("ACME", "ACME", "OVERTURE", their_url, theirs.certificate_pem, mdn_mode=mdn_mode)

    def work(uow: object) -> None:
        uow.as2.put_identity(identity, container.clock())  # type: ignore[attr-defined]
        uow.as2.put_partner(settings, container.clock())  # type: ignore[attr-defined]

    in_transaction(container.uow, work)
