#!/usr/bin/env python3
"""An nhi connector for Okta: API tokens and OAuth service apps, as nhi inventory lines.

Run it through nhi (docs/connectors.md), which hands it OKTA_API_TOKEN and nothing else:

    export OKTA_API_TOKEN=...        # an API token of a read-only administrator
    nhi scan --connector 'python3 examples/connectors/okta.py --base-url https://acme.okta.com' \\
             --connector-env OKTA_API_TOKEN

It prints one identity per line (NDJSON) on stdout, as soon as each is read, and says what it is
doing on stderr. Python 3.8+ standard library only.

What it reads (Okta Management API, `Authorization: SSWS <token>`):
- GET /api/v1/api-tokens                        every API token's metadata (never its value)
- GET /api/v1/users/{id}                        each token's user, and whether still active
- GET /api/v1/users/{id}/roles                  that user's admin roles: what the token can do
- GET /api/v1/apps?filter=status eq "ACTIVE"    apps; OAuth apps of type `service` are kept
- GET /api/v1/apps/{id}/credentials/secrets     each service app's client secrets (metadata)
- GET /api/v1/apps/{id}/credentials/jwks        each service app's public keys
- GET /api/v1/apps/{id}/grants                  the Okta API scopes granted to it

Okta does not report when a token was last used, but an API token expires `tokenWindow` (30
days by default) after its last use, and `expiresAt` moves with each use: so the last use is
`expiresAt - tokenWindow`, or never when that is its creation.

Exit status: 0 when everything was read; 1 when something could not be (what was read is
printed, and nhi reports the source as partial); 2 for a usage error.
"""

import argparse
import datetime as dt
import ipaddress
import json
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

PROVIDER = "okta"
USER_AGENT = "nhi-okta-connector/1"
# Okta user statuses of someone who can no longer sign in: their tokens outlive them.
GONE = {"SUSPENDED", "DEPROVISIONED"}
MAX_RATE_LIMIT_WAITS = 5


def log(message):
    print(message, file=sys.stderr, flush=True)


class Refused(Exception):
    """A request Okta answered with an error: the message names the fix."""


class NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect would carry the Authorization header to wherever it points: never follow one.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise Refused(f"{req.full_url} redirects to {newurl}: check --base-url (no redirect is followed)")


class Okta:
    def __init__(self, base_url, token, timeout):
        self.base = base_url.rstrip("/")
        self.host = urllib.parse.urlsplit(self.base).netloc
        self.token = token
        self.timeout = timeout
        self.opener = urllib.request.build_opener(NoRedirects)

    def _get(self, url):
        """One GET, waiting out rate limits; returns (body, Link header)."""
        for _ in range(MAX_RATE_LIMIT_WAITS + 1):
            request = urllib.request.Request(url, headers={
                "Authorization": f"SSWS {self.token}",
                "Accept": "application/json",
                "User-Agent": USER_AGENT,
            })
            try:
                with self.opener.open(request, timeout=self.timeout) as response:
                    return json.load(response), response.headers.get("Link", "")
            except urllib.error.HTTPError as e:
                if e.code == 429:
                    reset = e.headers.get("X-Rate-Limit-Reset", "")
                    wait = int(reset) - int(time.time()) if reset.isdigit() else 5
                    wait = min(max(wait, 1), 60)
                    log(f"rate limited on {path_of(url)}; waiting {wait} s")
                    time.sleep(wait)
                    continue
                raise Refused(explain(e.code, url, error_summary(e))) from None
            except (urllib.error.URLError, OSError, ValueError) as e:
                reason = getattr(e, "reason", e)
                raise Refused(f"cannot read {path_of(url)} from {self.host}: {reason}") from None
        raise Refused(f"{path_of(url)}: still rate limited after {MAX_RATE_LIMIT_WAITS} waits; try again later")

    def get(self, path):
        return self._get(self.base + path)[0]

    def pages(self, path):
        """Every item of a listing, following `Link: <...>; rel="next"` on the same host."""
        url = self.base + path
        while url:
            body, link = self._get(url)
            if not isinstance(body, list):
                raise Refused(f"{path_of(url)}: expected a list, got {type(body).__name__}")
            yield from body
            url = next_link(link)
            if url and urllib.parse.urlsplit(url).netloc != self.host:
                raise Refused(f"{path}: the next page is on another host ({urllib.parse.urlsplit(url).netloc}); not followed")


def path_of(url):
    parts = urllib.parse.urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def next_link(header):
    for part in header.split(","):
        match = re.match(r'\s*<([^>]+)>\s*;\s*rel="?next"?', part)
        if match:
            return match.group(1)
    return None


def error_summary(e):
    try:
        body = json.loads(e.read() or b"{}")
        return body.get("errorSummary") or ""
    except (ValueError, OSError, AttributeError):
        return ""


def explain(code, url, summary):
    said = f" ({summary})" if summary else ""
    where = path_of(url)
    if code == 401:
        return f"{where}: Okta refused the token (401){said}: check OKTA_API_TOKEN, and that nhi passes it (--connector-env OKTA_API_TOKEN)"
    if code == 403:
        return f"{where}: the token's user may not read this (403){said}: use a token of a read-only administrator (or super administrator for API tokens)"
    if code == 404:
        return f"{where}: not found (404){said}: check --base-url"
    return f"{where}: Okta answered {code}{said}"


def parse_time(value):
    if not value:
        return None
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(dt.timezone.utc)


def rfc3339(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def duration(iso):
    """An ISO 8601 duration of days and hours (`P30D`, `PT720H`, `P1DT12H`), or None."""
    match = re.fullmatch(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?", iso or "")
    if not match or not any(match.groups()):
        return None
    d, h, m, s = (int(g or 0) for g in match.groups())
    return dt.timedelta(days=d, hours=h, minutes=m, seconds=s)


def last_use(created, expires_at, window):
    """When an API token was last used: its expiry less its window (see the module's doc)."""
    if not (created and expires_at and window):
        return "unknown"
    used = expires_at - window
    if used <= created + dt.timedelta(minutes=1):
        return "never"
    return {"at": rfc3339(used)}


class Connector:
    def __init__(self, okta):
        self.okta = okta
        self.scope = okta.host
        self.users = {}
        self.roles_of = {}
        self.problems = []

    def user(self, user_id):
        """(login, active or None) of a user, by id or login, read once."""
        if user_id not in self.users:
            login, active = user_id, None
            try:
                user = self.okta.get(f"/api/v1/users/{urllib.parse.quote(user_id)}")
                login = (user.get("profile") or {}).get("login") or user_id
                active = user.get("status") not in GONE
            except Refused as e:
                if "(404)" in str(e):
                    active = False  # deleted: what they made outlived them
                else:
                    self.problems.append(str(e))
            self.users[user_id] = (login, active)
        return self.users[user_id]

    def roles(self, user_id):
        """The admin roles of a token's user, in words, read once; None when unreadable."""
        if user_id not in self.roles_of:
            try:
                listing = self.okta.pages(f"/api/v1/users/{urllib.parse.quote(user_id)}/roles")
                self.roles_of[user_id] = sorted({r.get("label") or r.get("type") for r in listing} - {None})
            except Refused as e:
                self.problems.append(str(e))
                self.roles_of[user_id] = None
        return self.roles_of[user_id]

    def api_tokens(self):
        for token in self.okta.pages("/api/v1/api-tokens"):
            created = parse_time(token.get("created"))
            expires_at = parse_time(token.get("expiresAt"))
            used = last_use(created, expires_at, duration(token.get("tokenWindow")))
            login, active = self.user(token.get("userId", ""))
            roles = self.roles(token.get("userId", "")) if active is not False else []
            owner = {"value": login, "source": "okta_user"}
            if active is not None:
                owner["active"] = active
            details = {"client_name": token.get("clientName") or "", "token_window": token.get("tokenWindow") or ""}
            network = (token.get("network") or {}).get("connection")
            if network:
                details["network"] = network
            yield {
                "id": token["id"],
                "provider": PROVIDER,
                "kind": "okta_api_token",
                "name": token.get("name") or token["id"],
                "scope": self.scope,
                "created_at": rfc3339(created),
                "last_used": used,
                "owner": owner,
                "credentials": [{
                    "id": token["id"],
                    "kind": "okta_api_token",
                    "status": "active",
                    "created_at": rfc3339(created),
                    "last_used": used,
                    "expires": {"at": rfc3339(expires_at)} if expires_at else "unknown",
                    "details": details,
                }],
                # The token acts as its user: it can do what the user's admin roles allow.
                "permissions": [{"source": "grant", "name": role} for role in (roles or [])],
            }

    def service_apps(self):
        apps = self.okta.pages('/api/v1/apps?filter=' + urllib.parse.quote('status eq "ACTIVE"') + "&limit=200")
        for app in apps:
            oauth = ((app.get("settings") or {}).get("oauthClient") or {})
            if app.get("signOnMode") != "OPENID_CONNECT" or oauth.get("application_type") != "service":
                continue
            app_id = app["id"]
            credentials = []
            try:
                for secret in self.okta.pages(f"/api/v1/apps/{app_id}/credentials/secrets"):
                    # Only metadata is kept: the listing also holds the secret (client_secret),
                    # which never leaves this function.
                    credentials.append({
                        "id": secret["id"],
                        "kind": "okta_client_secret",
                        "status": "active" if secret.get("status") == "ACTIVE" else "inactive",
                        "created_at": rfc3339(parse_time(secret.get("created"))),
                        "last_used": "unknown",
                        # Okta client secrets do not expire.
                        "expires": "never",
                    })
                for key in self.okta.pages(f"/api/v1/apps/{app_id}/credentials/jwks"):
                    credentials.append({
                        "id": key.get("kid") or key["id"],
                        "kind": "okta_jwk",
                        "status": "active" if key.get("status") == "ACTIVE" else "inactive",
                        "created_at": rfc3339(parse_time(key.get("created"))),
                        "last_used": "unknown",
                        "expires": "never",
                    })
                scopes = sorted(g["scopeId"] for g in self.okta.pages(f"/api/v1/apps/{app_id}/grants") if g.get("status", "ACTIVE") == "ACTIVE")
            except Refused as e:
                self.problems.append(str(e))
                continue
            identity = {
                "id": app_id,
                "provider": PROVIDER,
                "kind": "okta_service_app",
                "name": app.get("label") or app_id,
                "scope": self.scope,
                "created_at": rfc3339(parse_time(app.get("created"))),
                "last_used": "unknown",
                "credentials": credentials,
                "permissions": [{"source": "grant", "name": s} for s in scopes],
                "tags": {"client_id": (app.get("credentials") or {}).get("oauthClient", {}).get("client_id", "")},
            }
            # Okta keeps no owner for an app; teams that record one in the app's profile
            # (`{"owner": "login"}`) get it checked against the directory.
            owner = (app.get("profile") or {}).get("owner")
            if owner:
                _, active = self.user(owner)
                identity["owner"] = {"value": owner, "source": "app_profile"}
                if active is not None:
                    identity["owner"]["active"] = active
            yield identity


def emit(identity):
    sys.stdout.write(json.dumps(identity, sort_keys=True, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def checked_base_url(url):
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https" and parts.netloc:
        return url
    # Plain HTTP only on loopback (a local mock): the token must not cross a network in clear.
    if parts.scheme == "http" and parts.hostname:
        try:
            if ipaddress.ip_address(parts.hostname).is_loopback:
                return url
        except ValueError:
            if parts.hostname == "localhost":
                return url
    raise SystemExit(f"okta.py: --base-url {url!r}: use https://YOUR-ORG.okta.com (plain http only on loopback)")


def main():
    parser = argparse.ArgumentParser(description="Print an Okta org's API tokens and service apps as nhi inventory lines.")
    parser.add_argument("--base-url", default=os.environ.get("OKTA_ORG_URL"), help="https://YOUR-ORG.okta.com (or OKTA_ORG_URL)")
    parser.add_argument("--timeout", type=float, default=30, help="seconds for each request (default 30)")
    args = parser.parse_args()
    if not args.base_url:
        parser.error("--base-url is required (or set OKTA_ORG_URL)")
    base_url = checked_base_url(args.base_url)
    # The token comes from the environment only: arguments show in process listings.
    token = os.environ.get("OKTA_API_TOKEN")
    if not token:
        log("okta.py: OKTA_API_TOKEN is not set: create an API token (Security > API > Tokens) and pass it with --connector-env OKTA_API_TOKEN")
        return 1
    connector = Connector(Okta(base_url, token, args.timeout))
    counts = {}
    for name, read in (("API tokens", connector.api_tokens), ("service apps", connector.service_apps)):
        try:
            for identity in read():
                emit(identity)
                counts[name] = counts.get(name, 0) + 1
        except Refused as e:
            connector.problems.append(str(e))
        log(f"{counts.get(name, 0)} {name} read")
    for problem in connector.problems:
        log(problem)
    return 1 if connector.problems else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
