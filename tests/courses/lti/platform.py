"""A scripted LTI 1.3 platform: its keys, its endpoints on a real local HTTP server, its side of the messages.

It plays the platform as the specifications define it, with jwcrypto (not our code, not pylti1p3):

- LTI 1.3 core §4.1 / Security Framework §5.1.1: it starts the third-party login, checks the tool's
  authentication request (scope, response_type, response_mode, prompt, client_id, redirect_uri, state,
  nonce, login_hint echo) and answers with an id_token by form_post.
- Security Framework §4.1: its token endpoint takes a client_credentials grant with a JWT assertion
  (RFC 7523), checked against the tool's JWKS as the platform fetched it.
- NRPS 2.0: a membership container; AGS 2.0: a line item's ``/scores`` endpoint, which records each score.
"""

import json
import threading
import time
import uuid
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, urlsplit

from jwcrypto import jwk, jwt

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership#"


class ScriptedPlatform:
    client_id = "kns-tool-client"
    deployment_id = "deployment-1"
    context_id = "course-42"

    def __init__(self, host="127.0.0.1"):
        self.key = jwk.JWK.generate(kty="RSA", size=2048, kid="platform-key-1")
        self.tool_jwks = None  # the tool's keys, as the platform fetched them from its JWKS URL
        self.assertions = []  # the client_credentials assertions, verified
        self.tokens = {}  # access token -> scopes
        self.scores = []  # (line item path, score JSON, content type)
        self.nrps_requests = []
        self.members = []
        self.score_failures = 0  # answer this many score posts with 503 first
        # In a browser: the tool's address, the claims of the next id_token, the deep-linking returns received.
        self.tool = ""
        self.next_claims = {}
        self.returned = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base = f"http://{host}:{self.server.server_address[1]}"
        self.issuer = self.base
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # Endpoints -------------------------------------------------------------------------

    @property
    def auth_url(self):
        return self.base + "/auth"

    @property
    def token_url(self):
        return self.base + "/token"

    @property
    def jwks_url(self):
        return self.base + "/jwks"

    @property
    def memberships_url(self):
        return f"{self.base}/nrps/{self.context_id}/memberships"

    @property
    def lineitem_url(self):
        return f"{self.base}/ags/{self.context_id}/lineitems/7/lineitem"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def _handler(self):
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status, body, content_type="application/json"):
                data = json.dumps(body).encode() if not isinstance(body, bytes) else body
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _scopes(self):
                token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                return platform.tokens.get(token, [])

            def do_GET(self):
                path = urlsplit(self.path).path
                if path == "/course":
                    return self._send(200, platform.course_page().encode(), "text/html; charset=utf-8")
                if path == "/auth":
                    return self._send(200, platform.auth_response(self.path).encode(), "text/html; charset=utf-8")
                if path == "/jwks":
                    return self._send(200, {"keys": [json.loads(platform.key.export_public())]})
                if path == urlsplit(platform.memberships_url).path:
                    platform.nrps_requests.append(dict(self.headers))
                    if NRPS_SCOPE not in self._scopes():
                        return self._send(401, {"error": "invalid_token"})
                    container = {
                        "id": platform.memberships_url,
                        "context": {"id": platform.context_id, "title": "Kỹ năng số cơ bản"},
                        "members": platform.members,
                    }
                    return self._send(200, container, "application/vnd.ims.lti-nrps.v2.membershipcontainer+json")
                return self._send(404, {})

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length).decode()
                path = urlsplit(self.path).path
                if path == "/deep-link-return":
                    platform.returned.append(parse_qs(body))
                    return self._send(200, b"<!DOCTYPE html><title>ok</title><p id=ok>OK</p>", "text/html")
                if path == "/token":
                    return self._token(parse_qs(body))
                if path == urlsplit(platform.lineitem_url).path + "/scores":
                    if SCORE_SCOPE not in self._scopes():
                        return self._send(401, {"error": "invalid_token"})
                    if platform.score_failures:
                        platform.score_failures -= 1
                        return self._send(503, {"error": "try later"})
                    platform.scores.append((path, json.loads(body), self.headers.get("Content-Type")))
                    return self._send(200, {})
                return self._send(404, {})

            def _token(self, form):
                """Security Framework §4.1: the tool authenticates with a JWT signed by its own key."""
                try:
                    assert form["grant_type"] == ["client_credentials"]
                    assert form["client_assertion_type"] == ["urn:ietf:params:oauth:client-assertion-type:jwt-bearer"]
                    keyset = jwk.JWKSet.from_json(json.dumps(platform.tool_jwks))
                    token = jwt.JWT(jwt=form["client_assertion"][0], key=keyset, algs=["RS256"])
                    claims = json.loads(token.claims)
                    assert claims["iss"] == claims["sub"] == platform.client_id
                    assert claims["aud"] in (platform.token_url, [platform.token_url])
                    assert claims["exp"] > time.time() and claims["jti"]
                except (AssertionError, KeyError, ValueError, Exception) as error:
                    return self._send(401, {"error": "invalid_client", "detail": repr(error)})
                platform.assertions.append({"header": json.loads(token.header), "claims": claims})
                access = uuid.uuid4().hex
                platform.tokens[access] = form.get("scope", [""])[0].split()
                return self._send(200, {"access_token": access, "token_type": "bearer", "expires_in": 3600})

        return Handler

    # Messages ------------------------------------------------------------------------

    def claims(self, *, sub, nonce, message_type="LtiResourceLinkRequest", roles=("Learner",), **extra):
        now = int(time.time())
        body = {
            "iss": self.issuer,
            "aud": self.client_id,
            "sub": sub,
            "exp": now + 300,
            "iat": now,
            "nonce": nonce,
            "name": "Trần Thị Học Viên",
            "email": "hocvien@example.vn",
            CLAIM + "message_type": message_type,
            CLAIM + "version": "1.3.0",
            CLAIM + "deployment_id": self.deployment_id,
            CLAIM + "target_link_uri": "https://testserver/lti/launch/",
            CLAIM + "roles": [MEMBERSHIP + role for role in roles],
            CLAIM + "context": {"id": self.context_id, "label": "KNS", "title": "Kỹ năng số cơ bản"},
        }
        if message_type == "LtiResourceLinkRequest":
            body[CLAIM + "resource_link"] = {"id": "link-1", "title": "Khóa học trên Kỹ Năng Số"}
        body.update(extra)
        return body

    def sign(self, claims, key=None, kid=None):
        key = key or self.key
        token = jwt.JWT(header={"alg": "RS256", "typ": "JWT", "kid": kid or key.key_id}, claims=json.dumps(claims))
        token.make_signed_token(key)
        return token.serialize()

    def course_page(self):
        """The platform's course page, with the tool in an iframe that starts the third-party login."""
        login = (
            f"{self.tool}/lti/login/?iss={quote(self.issuer)}&login_hint=u1&client_id={self.client_id}"
            f"&target_link_uri={quote(self.tool + '/lti/launch/')}&lti_deployment_id={self.deployment_id}"
        )
        return (
            '<!DOCTYPE html><html lang="vi"><title>Moodle</title><h1>Moodle</h1>'
            f'<iframe id="tool" title="Kỹ Năng Số" src="{escape(login)}" width="360" height="600"></iframe></html>'
        )

    def auth_response(self, raw_path):
        """The authentication response: checks the tool's request, posts the id_token to its redirect_uri."""
        params = {k: v[0] for k, v in parse_qs(urlsplit(raw_path).query).items()}
        assert params["redirect_uri"] == self.tool + "/lti/launch/" and params["response_mode"] == "form_post"
        claims = self.claims(nonce=params["nonce"], **self.next_claims)
        claims[CLAIM + "target_link_uri"] = self.tool + "/lti/launch/"
        return (
            "<!DOCTYPE html><html><title>…</title><body>"
            f'<form id="f" method="post" action="{escape(params["redirect_uri"])}">'
            f'<input type="hidden" name="id_token" value="{self.sign(claims)}">'
            f'<input type="hidden" name="state" value="{escape(params["state"])}"></form>'
            "<script>document.getElementById('f').submit()</script></body></html>"
        )

    def initiate(self, client, *, login_hint="user-hint", message_hint="resource-1"):
        """Third-party initiated login; returns the tool's authentication request's parameters, checked."""
        response = client.get(
            "/lti/login/",
            {
                "iss": self.issuer,
                "login_hint": login_hint,
                "target_link_uri": "https://testserver/lti/launch/",
                "lti_message_hint": message_hint,
                "client_id": self.client_id,
                "lti_deployment_id": self.deployment_id,
            },
            secure=True,
        )
        assert response.status_code == 302, response.content[:500]
        location = urlsplit(response["Location"])
        assert f"{location.scheme}://{location.netloc}{location.path}" == self.auth_url
        params = {k: v[0] for k, v in parse_qs(location.query).items()}
        assert params["scope"] == "openid"
        assert params["response_type"] == "id_token"
        assert params["response_mode"] == "form_post"
        assert params["prompt"] == "none"
        assert params["client_id"] == self.client_id
        assert params["redirect_uri"] == "https://testserver/lti/launch/"
        assert params["login_hint"] == login_hint
        assert params["lti_message_hint"] == message_hint
        assert params["state"] and params["nonce"]
        return params

    def launch(self, client, *, id_token, state, dest="iframe"):
        """The authentication response: the id_token and state, by form_post to the redirect_uri."""
        return client.post(
            "/lti/launch/",
            {"id_token": id_token, "state": state},
            secure=True,
            headers={"Sec-Fetch-Dest": dest, "Sec-Fetch-Site": "cross-site"},
        )
