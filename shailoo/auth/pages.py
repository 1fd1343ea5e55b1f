"""Sign-in and administration pages."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from shailoo.audit import service as audit
from shailoo.auth import service
from shailoo.auth.rules import Permission
from shailoo.errors import Unauthenticated
from shailoo.web.deps import get_session, visitor
from shailoo.web.templating import render

router = APIRouter(include_in_schema=False)


def _safe_next(target: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") else "/"


@router.get("/login")
def login_form(request: Request, next: str = "/",
               _v: service.Principal | None = Depends(visitor)) -> Response:
    """The sign-in form."""
    return render(request, "auth/login.html", {"next": _safe_next(next), "failed": False})


@router.post("/login")
def login(request: Request, username: str = Form(...), password: str = Form(...),
          next: str = Form("/"), session: Session = Depends(get_session)) -> Response:
    """Check the credentials and start a signed session cookie."""
    request.state.principal = None
    try:
        principal = service.authenticate(session, username, password)
    except Unauthenticated:
        return render(request, "auth/login.html", {"next": _safe_next(next), "failed": True},
                      status_code=401)
    request.session.clear()
    request.session["uid"] = principal.user_id
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request) -> Response:
    """End the session."""
    request.session.clear()
    return RedirectResponse("/", status_code=303)


@router.get("/admin")
def admin(request: Request, session: Session = Depends(get_session),
          principal: service.Principal | None = Depends(visitor)) -> Response:
    """Users and the audit log, for administrators."""
    service.authorize(principal, Permission.USERS_MANAGE)
    service.authorize(principal, Permission.AUDIT_READ)
    return render(request, "auth/admin.html", {
        "users": service.list_users(session), "records": audit.list_records(session, 100),
        "verification": audit.verify(session)})
