"""The peers page (coordinators): each peer's health and keys, and the actions of the
`peer` command through the same services (each audited there). The federation endpoints
are in views.py; these are ordinary signed-in pages."""

from __future__ import annotations

import httpx
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from exchange import keyring, selectors, services
from exchange.forms import PeerAddForm, ReasonForm


def _coordinator(request: HttpRequest) -> None:
    if getattr(request.user, "role", "") not in (Role.COORDINATOR, Role.ADMIN):
        raise PermissionDenied


def _list_url(country: str) -> str:
    return reverse("peers:list") + f"#peer-{country}"


def _errors(exc: ValidationError) -> str:
    return "; ".join(e for errors in exc.message_dict.values() for e in errors)


@login_required
def peers(request: HttpRequest) -> HttpResponse:
    _coordinator(request)
    return render(request, "exchange/peers.html", {"peers": selectors.peers_page()})


@login_required
def peer_add(request: HttpRequest) -> HttpResponse:
    """Enrol a peer (or re-enrol one: new address, keys pinned again)."""
    _coordinator(request)
    form = PeerAddForm(request.POST or None, initial={"country": request.GET.get("country", "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            peer, pinned = services.peer_add(
                country=data["country"],
                url=data["url"],
                keys=data["keys"],
                replace_keys=data["replace_keys"],
                actor=request.user,
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(
                request,
                _(
                    "%(country)s enrolled. Compare the fingerprints of %(keys)s with its "
                    "coordinator by telephone."
                )
                % {"country": peer.country, "keys": ", ".join(pinned)},
            )
            return redirect(_list_url(peer.country))
    return render(
        request, "exchange/peer_add.html", {"form": form}, status=400 if form.errors else 200
    )


@login_required
def key_distrust(request: HttpRequest, key_id: str) -> HttpResponse:
    """Confirm, with a reason, that a key is no longer trusted, for good."""
    _coordinator(request)
    key = selectors.peer_key(key_id)
    if key is None:
        raise Http404
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.peer_distrust_key(
                key_id=key.key_id, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
        else:
            messages.success(request, _("Key %(id)s is no longer trusted.") % {"id": key.key_id})
            return redirect(_list_url(key.peer.country))
    return render(
        request,
        "exchange/confirm.html",
        {
            "form": form,
            "title": _("Distrust key %(id)s") % {"id": key.key_id},
            "fingerprint": selectors.fingerprint_groups(key.public_key),
            "explain": _(
                "Messages signed with this key will be refused from now on, whatever its "
                "dates say, and neither a later enrolment nor a key announcement from %(c)s "
                "can trust it again: the peer must make a new key. Do this when the key may "
                "be compromised."
            )
            % {"c": key.peer.country},
            "button": _("Distrust the key"),
        },
        status=400 if form.errors else 200,
    )


@login_required
def peer_deactivate(request: HttpRequest, country: str) -> HttpResponse:
    """Confirm, with a reason, that exchange with a peer stops (it stays listed)."""
    _coordinator(request)
    peer = selectors.active_peer(country)
    if peer is None:
        raise Http404
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.peer_deactivate(
                country=peer.country, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form.add_error(None, _errors(exc))
        else:
            messages.success(request, _("Exchange with %(c)s stopped.") % {"c": peer.country})
            return redirect(_list_url(peer.country))
    return render(
        request,
        "exchange/confirm.html",
        {
            "form": form,
            "title": _("Stop exchanging with %(c)s") % {"c": peer.country},
            "explain": _(
                "Its messages will be refused and its keys no longer trusted; messages queued "
                "for it stay queued. Enrolling it again pins the keys the coordinators compare."
            ),
            "button": _("Stop exchanging"),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def peer_refresh_keys(request: HttpRequest, country: str) -> HttpResponse:
    """Fetch the peer's signed key document now (as `peer refresh-keys`)."""
    _coordinator(request)
    try:
        added = services.peer_refresh_keys(country=country, actor=request.user)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    except keyring.KeyProblem as exc:
        messages.error(request, _("The key document was refused: %(why)s") % {"why": exc.message})
    except httpx.HTTPError:
        messages.error(request, _("The peer's node did not answer; try again later."))
    else:
        if added:
            messages.success(request, _("New keys: %(ids)s.") % {"ids": ", ".join(added)})
        else:
            messages.success(request, _("Keys checked: nothing new."))
    return redirect(_list_url(country.upper()))
