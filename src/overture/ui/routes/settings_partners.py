"""The partners pages: every trading partner with its X12 identity, and one partner's profile (read
here; ``PUT /v1/partners/{id}`` edits it as a whole), the documents we sent it and the messages its
orders came in, each linking to its raw view, and the change log of its profile."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from overture.services import changes
from overture.ui.routes.common import page, page_router
from overture.web.deps import ContainerDep

router = page_router()


@router.get("/settings/partners", response_class=HTMLResponse)
def partners_page(request: Request, container: ContainerDep) -> HTMLResponse:
    return page(request, "settings_partners.html", {"page": "settings", "partners": container.dashboard.partner_rows()})


@router.get("/settings/partners/{partner_id}", response_class=HTMLResponse)
def partner_page(request: Request, partner_id: str, container: ContainerDep) -> HTMLResponse:
    partner = container.dashboard.partner(partner_id)
    if partner is None:
        return page(request, "not_found.html", {"what": f"trading partner {partner_id!r}"}, status_code=404)
    context = {
        "page": "settings",
        "partner": partner,
        "profile": partner["profile"],
        "changes": changes.recent(container.uow, subject=f"partner:{partner_id}", limit=20),
    }
    return page(request, "settings_partner.html", context)
