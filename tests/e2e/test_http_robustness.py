"""The HTTP layer as clients meet it: bodies that arrive in pieces over a real socket, chunked bodies,
`Expect: 100-continue`, oversized bodies, a client that stalls half way, and a long portal form post.

`app.test` hands the body over in one piece and hid a hang on every body larger than about 1 KB; these tests talk to
the process that scripts/e2e.sh serves, through sockets only.
"""
import http.client
import json
import os
import random
import re
import socket
import string
import time
import urllib.parse
from http.cookiejar import CookieJar
from urllib.request import HTTPCookieProcessor, build_opener

from conftest import BASE_URL

HOST = urllib.parse.urlparse(BASE_URL).hostname
PORT = urllib.parse.urlparse(BASE_URL).port
# scripts/e2e.sh serves with SUPPORTOPS_READ_TIMEOUT_SECONDS=E2E_READ_TIMEOUT (5 s).
READ_TIMEOUT = float(os.environ.get("E2E_READ_TIMEOUT", "5"))
CLIENT_TIMEOUT = 30  # far above any answer this service should need; a hang fails instead of blocking the suite


def resolve_body(characters, user_id=1):
    """A JSON body whose user_input has exactly `characters` characters (a status question padded with a story)."""
    story = "I have been waiting a long time and I am getting worried about it. "
    text = ("where is my order 1003? " + story * (characters // len(story) + 1))[:characters]
    return json.dumps({"user_input": text, "user_id": user_id}).encode()


def post(path, body, headers=None, timeout=CLIENT_TIMEOUT):
    connection = http.client.HTTPConnection(HOST, PORT, timeout=timeout)
    try:
        connection.request("POST", path, body=body, headers={"Content-Type": "application/json", **(headers or {})})
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type") or "", response.read()
    finally:
        connection.close()


def resolve_head(**headers):
    """The head of a POST /support/resolve with these extra headers (Content_Length → Content-Length)."""
    lines = [f"POST /support/resolve HTTP/1.1", f"Host: {HOST}", "Content-Type: application/json"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def raw_exchange(head, body_parts, pause=0.0, timeout=CLIENT_TIMEOUT):
    """Sends a request head and then the body in parts (with a pause between them) on one socket; returns the status
    line and the whole response, read until the server closes or the response is complete."""
    with socket.create_connection((HOST, PORT), timeout=timeout) as sock:
        sock.sendall(head)
        for part in body_parts:
            if pause:
                time.sleep(pause)
            sock.sendall(part)
        return read_response(sock)


def read_response(sock):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    match = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    length = int(match.group(1)) if match else None
    while length is not None and len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return head + b"\r\n\r\n" + rest


def status_of(response):
    return int(response.split(b" ", 2)[1])


def json_of(response):
    return json.loads(response.partition(b"\r\n\r\n")[2])


def test_resolve_answers_every_body_size_up_to_the_limit():
    for characters in (500, 1000, 2000, 3999, 4000):
        body = resolve_body(characters)
        status, content_type, payload = post("/support/resolve", body)
        assert status == 200, f"{characters} characters ({len(body)} bytes): HTTP {status} {payload[:200]!r}"
        answer = json.loads(payload)
        assert answer["reply"], f"{characters} characters: an empty reply"
        assert "application/json" in content_type


def test_resolve_over_4000_characters_is_a_fast_422_naming_the_field():
    for characters in (4001, 20000):
        started = time.monotonic()
        status, _, payload = post("/support/resolve", resolve_body(characters))
        assert status == 422, f"{characters} characters: HTTP {status}"
        problem = json.loads(payload)
        assert problem["field"] == "user_input" and problem["error"] == "input_too_long"
        assert time.monotonic() - started < 10


def test_bodies_over_64_kb_get_413_with_a_json_problem():
    for size in (60 * 1024, 1024 * 1024):
        body = resolve_body(size)
        status, content_type, payload = post("/support/resolve", body)
        if size < 64 * 1024:
            assert status == 422, f"{len(body)} bytes: HTTP {status}"  # under the body limit: the field is too long
        else:
            assert status == 413, f"{len(body)} bytes: HTTP {status} {payload[:200]!r}"
            problem = json.loads(payload)
            assert problem["error"] == "payload_too_large" and "64 KB" in problem["message"]
        assert "application/json" in content_type


def test_a_body_sent_in_pieces_is_read_whole():
    body = resolve_body(3000)
    head = resolve_head(Content_Length=len(body), Connection="close")
    pieces = [body[i:i + 700] for i in range(0, len(body), 700)]
    response = raw_exchange(head, pieces, pause=0.05)
    assert status_of(response) == 200, response[:300]
    assert json_of(response)["reply"]


def test_chunked_transfer_encoding():
    body = resolve_body(2500)
    head = resolve_head(Transfer_Encoding="chunked", Connection="close")
    chunks = [body[i:i + 1000] for i in range(0, len(body), 1000)]
    parts = [f"{len(c):x}\r\n".encode() + c + b"\r\n" for c in chunks] + [b"0\r\n\r\n"]
    response = raw_exchange(head, parts, pause=0.02)
    assert status_of(response) == 200, response[:300]
    assert json_of(response)["reply"]


def test_expect_100_continue_is_answered():
    # Like curl above 1 KB: the head carries Expect: 100-continue and the client waits (curl: 1 s) before sending the
    # body when no "100 Continue" arrives. Either way the request must be answered, not left hanging.
    body = resolve_body(2000)
    head = resolve_head(Content_Length=len(body), Expect="100-continue", Connection="close")
    with socket.create_connection((HOST, PORT), timeout=CLIENT_TIMEOUT) as sock:
        sock.sendall(head)
        sock.settimeout(1.0)
        early = b""
        try:
            early = sock.recv(65536)
        except socket.timeout:
            pass  # no interim response: send the body anyway, as curl does after its wait
        sock.settimeout(CLIENT_TIMEOUT)
        if early and not early.startswith(b"HTTP/1.1 100"):
            raise AssertionError(f"a final answer before the body was sent: {early[:200]!r}")
        sock.sendall(body)
        response = read_response(sock)
    if response.startswith(b"HTTP/1.1 100"):
        response = response.partition(b"\r\n\r\n")[2] or response
    assert status_of(response) == 200, response[:300]


def test_a_client_that_stalls_half_way_is_disconnected_and_the_server_keeps_serving():
    body = resolve_body(2000)
    head = resolve_head(Content_Length=len(body))
    started = time.monotonic()
    with socket.create_connection((HOST, PORT), timeout=READ_TIMEOUT * 4) as sock:
        sock.sendall(head + body[: len(body) // 2])
        closed = b""
        try:
            closed = sock.recv(65536)  # b"" once the server closes the idle connection
        except socket.timeout:
            raise AssertionError(f"the server kept a stalled connection open for {READ_TIMEOUT * 4:.0f} s") from None
    waited = time.monotonic() - started
    assert closed == b"" or closed.startswith(b"HTTP/1.1 4"), closed[:200]
    assert waited >= READ_TIMEOUT * 0.8, f"closed after {waited:.1f} s, before the read timeout"
    status, _, _ = post("/support/resolve", resolve_body(100))
    assert status == 200, "the server stopped answering after a stalled client"


def test_portal_ticket_form_with_3000_characters():
    jar = CookieJar()
    opener = build_opener(HTTPCookieProcessor(jar))

    def csrf(html):
        match = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
        assert match, "no CSRF token on the page"
        return match.group(1)

    page = opener.open(BASE_URL + "/login", timeout=CLIENT_TIMEOUT).read().decode()
    form = urllib.parse.urlencode({"csrf": csrf(page), "email": "alice@example.com", "password": "supportops-demo"})
    opener.open(BASE_URL + "/login", data=form.encode(), timeout=CLIENT_TIMEOUT).read()
    page = opener.open(BASE_URL + "/tickets/new", timeout=CLIENT_TIMEOUT).read().decode()
    assert 'name="description"' in page, "not signed in: the new-ticket form is missing"
    story = "The parcel was left outside in the rain and the box was soaked through when I found it.\r\n"
    description = ("Hello,\r\n" + story * 40)[:2950] + "\r\nWhere is my order 1003?"
    assert len(description) >= 3000 - 30
    # Letters, not digits: a long random number is sometimes Luhn-valid and is then (rightly) redacted as a card number.
    title = "Long ticket " + "".join(random.choice(string.ascii_lowercase) for _ in range(10))
    form = urllib.parse.urlencode({"csrf": csrf(page), "title": title, "description": description})
    started = time.monotonic()
    response = opener.open(BASE_URL + "/tickets", data=form.encode(), timeout=CLIENT_TIMEOUT)
    html = response.read().decode()
    assert time.monotonic() - started < CLIENT_TIMEOUT
    assert re.search(r"/tickets/\d+$", response.geturl()), f"not on the new ticket's page: {response.geturl()}"
    assert title in html
