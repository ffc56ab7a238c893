"""The HTTP API through FastAPI's test client, bad input included."""

import sqlite3
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from fastapi.testclient import TestClient

from digits.serving.app import create_app
from digits.serving.settings import ServeSettings
from digits.data.synth import digit_ink, encode, row_ink


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    db = tmp_path_factory.mktemp("serve") / "feedback.sqlite3"
    settings = ServeSettings(feedback_db=db, max_upload_bytes=1024 * 1024, allowed_hosts=["testserver"])
    with TestClient(create_app(settings)) as test_client:
        test_client.db = db
        yield test_client


@pytest.fixture(scope="module")
def digit_png(tiny_mnist):
    seven = tiny_mnist.x_test[np.flatnonzero(tiny_mnist.y_test == 7)[0]]
    return encode((255 - np.pad(digit_ink(seven, 80), 20) * 255).astype(np.uint8), "PNG")


def test_predict_multipart_and_raw_body_give_the_cli_answer(client, digit_png):
    multipart = client.post("/api/predict", files={"file": ("seven.png", digit_png, "image/png")})
    raw = client.post("/api/predict", content=digit_png, headers={"content-type": "image/png"})
    assert multipart.status_code == raw.status_code == 200
    for body in (multipart.json(), raw.json()):
        assert body["digit"] == 7
        assert len(body["probabilities"]) == 10 and body["confidence"] == max(body["probabilities"])


def test_predict_can_return_what_the_model_saw(client, digit_png):
    body = client.post("/api/predict?inputs=true", content=digit_png, headers={"content-type": "image/png"}).json()
    assert body["inputs"][0].startswith("data:image/png;base64,")


@pytest.fixture(scope="module")
def number_png(handwritten):
    picks = [handwritten[d] for d in (3, 4, 8)]
    return encode((255 - np.pad(row_ink(picks, 70, np.random.default_rng(0)), 30) * 255).astype(np.uint8), "PNG")


def test_read_returns_digits_left_to_right(client, number_png):
    body = client.post("/api/read?inputs=true", files={"file": ("n.png", number_png, "image/png")}).json()
    assert len(body["digits"]) == 3 and body["text"] == "348"
    assert [d["char"] for d in body["digits"]] == ["3", "4", "8"] and len(body["lines"]) == 1
    assert len(body["inputs"]) == 1  # the line as the reader saw it


def test_a_corrected_number_is_stored_as_a_string(client, number_png):
    stored = client.post("/api/feedback", files={"file": ("n.png", number_png, "image/png")}, data={"text": "348"})
    assert stored.status_code == 200, stored.text
    assert stored.json()["text"] == "348" and stored.json()["digits"] == 3  # aligned: each digit stored too
    with sqlite3.connect(client.db) as db:
        assert db.execute("SELECT text, predicted FROM number_feedback WHERE id = ?", (stored.json()["id"],)).fetchone() == ("348", "348")
    for bad in ("34x", "", "1\n2"):
        refused = client.post("/api/feedback", files={"file": ("n.png", number_png, "image/png")}, data={"text": bad})
        assert refused.status_code == 400 and "error" in refused.json()


def test_blank_image_is_no_digit_not_an_error(client):
    body = client.post("/api/predict", content=encode(np.full((100, 100), 240, np.uint8), "PNG"), headers={"content-type": "image/png"})
    assert body.status_code == 200 and body.json()["digit"] is None and body.json()["reason"]


@pytest.mark.parametrize(
    "kwargs, status, message",
    [
        ({"content": b"", "headers": {"content-type": "image/png"}}, 400, "empty upload"),
        ({"content": b"plain text, not a picture", "headers": {"content-type": "image/png"}}, 400, "not an image"),
        ({"content": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "headers": {"content-type": "image/png"}}, 400, "truncated or corrupt"),
        ({"content": b"x" * (1024 * 1024 + 1), "headers": {"content-type": "image/png"}}, 413, "larger than the limit"),
        ({"content": b'{"image": 1}', "headers": {"content-type": "application/json"}}, 400, "not an image"),
        ({"content": b"--xx\r\nbroken", "headers": {"content-type": "multipart/form-data; boundary=xx"}}, 400, "multipart"),
        ({"files": {"other": ("a.png", b"123", "image/png")}}, 400, "field 'file'"),
    ],
)
def test_bad_uploads_get_a_json_4xx(client, kwargs, status, message):
    response = client.post("/api/predict", **kwargs)
    assert response.status_code == status
    assert message in response.json()["error"]
    assert client.get("/api/health").json()["status"] == "ok"  # and the server keeps serving


def test_decompression_bomb_is_refused(client):
    from test_decode import _png_with_size

    response = client.post("/api/predict", content=_png_with_size(100_000, 100_000), headers={"content-type": "image/png"})
    assert response.status_code == 400 and "too large" in response.json()["error"]


def test_feedback_is_stored_and_validated(client, digit_png):
    stored = client.post("/api/feedback", files={"file": ("d.png", digit_png, "image/png")}, data={"label": "1", "predicted": "7"})
    assert stored.status_code == 200 and stored.json()["stored"]
    with sqlite3.connect(client.db) as db:
        row = db.execute("SELECT label, predicted, length(image) FROM feedback WHERE id = ?", (stored.json()["id"],)).fetchone()
    assert row == (1, 7, len(digit_png))
    bad = client.post("/api/feedback", files={"file": ("d.png", digit_png, "image/png")}, data={"label": "12"})
    assert bad.status_code == 400 and "label" in bad.json()["error"]


def test_concurrent_feedback_writers_lose_nothing(client, digit_png):
    def send(i):
        return client.post("/api/feedback", files={"file": ("d.png", digit_png, "image/png")}, data={"label": str(i % 10)}).status_code

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(send, range(40))) == {200}
    with sqlite3.connect(client.db) as db:
        assert db.execute("SELECT count(*) FROM feedback").fetchone()[0] >= 40


def test_health_model_card_page_and_docs(client):
    assert client.get("/api/health").json()["status"] == "ok"
    assert "name" in client.get("/api/model").json() or "model_file" in client.get("/api/model").json()
    page = client.get("/")
    assert page.status_code == 200 and "<canvas" in page.text
    assert client.get("/static/app.js").status_code == 200
    schema = client.get("/openapi.json").json()
    assert {"/api/predict", "/api/read", "/api/feedback", "/api/health", "/api/model"} <= set(schema["paths"])


def test_the_schema_documents_every_answer_error_and_body(client):
    schema = client.get("/openapi.json").json()
    models = set(schema["components"]["schemas"])
    assert {"DigitAnswer", "NumberAnswer", "FeedbackStored", "Health", "ModelCard", "ErrorBody"} <= models
    predict = schema["paths"]["/api/predict"]["post"]
    assert predict["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/DigitAnswer")
    assert {"400", "411", "413"} <= set(predict["responses"])
    assert "multipart/form-data" in predict["requestBody"]["content"]


def test_answers_keep_their_shape_through_the_response_models(client, digit_png):
    body = client.post("/api/predict", content=digit_png, headers={"content-type": "image/png"}).json()
    assert set(body) == {"path", "digit", "confidence", "probabilities", "box", "not_digit"}  # nothing unset is added
    blank = client.post("/api/read", content=encode(np.full((80, 80), 250, np.uint8), "PNG"), headers={"content-type": "image/png"}).json()
    assert set(blank) == {"path", "text", "confidence", "digits", "lines", "reason"} and blank["text"] == ""


def test_health_names_the_served_model_from_its_card(client):
    assert client.get("/api/health").json() == {"status": "ok", "model": "cnn_reject"}
    card = client.get("/api/model").json()
    assert card["name"] == "cnn_reject" and card["input"]["size"] == 28 and card["metrics"]["test_errors"] is not None


def test_every_error_has_the_same_shape(client):
    missing = client.get("/api/nothing-here")
    wrong_method = client.get("/api/predict")
    assert (missing.status_code, wrong_method.status_code) == (404, 405)
    assert set(missing.json()) == {"error"} and set(wrong_method.json()) == {"error"}


@pytest.mark.parametrize("label", ["²", "٣", "12", "-1", " 3", ""])
def test_feedback_labels_are_one_ascii_digit(client, digit_png, label):
    response = client.post("/api/feedback", files={"file": ("d.png", digit_png, "image/png")}, data={"label": label})
    assert response.status_code == 400 and "label" in response.json()["error"]


def test_the_app_factory_takes_its_settings_from_the_environment(tmp_path, monkeypatch, digit_png):
    """What `uvicorn --factory digits.serving.app:create_app` does."""
    monkeypatch.setenv("DIGITS_FEEDBACK_DB", str(tmp_path / "env.sqlite3"))
    monkeypatch.setenv("DIGITS_MAX_UPLOAD_BYTES", "1000")
    monkeypatch.setenv("DIGITS_ALLOWED_HOSTS", '["testserver"]')
    with TestClient(create_app()) as env_client:
        assert env_client.get("/api/health").json()["status"] == "ok"
        assert env_client.post("/api/predict", content=digit_png, headers={"content-type": "image/png"}).status_code == 413
        assert env_client.app.state.feedback.path == tmp_path / "env.sqlite3"


def test_curl_default_content_type_is_read_as_the_image_it_is(client, digit_png):
    """`curl --data-binary @x.png` declares application/x-www-form-urlencoded; the bytes are still a PNG."""
    response = client.post("/api/predict", content=digit_png, headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 200 and response.json()["digit"] == 7


def test_docs_and_favicon_are_served_by_the_app(client):
    docs = client.get("/docs")
    assert docs.status_code == 200 and "cdn" not in docs.text.lower()
    assert client.get("/static-offline-docs/swagger-ui-bundle.js").status_code == 200
    assert client.get("/favicon.ico").headers["content-type"].startswith("image/svg")


def test_another_host_or_another_sites_page_cannot_use_the_api(client, digit_png):
    rebound = client.get("/api/health", headers={"host": "evil.example"})
    assert rebound.status_code == 400 and "evil.example" in rebound.json()["error"]  # DNS rebinding
    cross_site = client.post("/api/feedback", files={"file": ("d.png", digit_png, "image/png")}, data={"label": "7"},
                             headers={"origin": "https://evil.example"})
    assert cross_site.status_code == 403 and "evil.example" in cross_site.json()["error"]
    same_site = client.post("/api/feedback", files={"file": ("d.png", digit_png, "image/png")}, data={"label": "7"},
                            headers={"origin": "http://testserver"})
    assert same_site.status_code == 200


def test_when_every_read_slot_is_taken_the_api_says_busy_instead_of_piling_up(tmp_path, digit_png):
    settings = ServeSettings(feedback_db=tmp_path / "f.sqlite3", allowed_hosts=["testserver"], max_concurrent_reads=1,
                             queue_seconds=0.2)
    with TestClient(create_app(settings)) as busy_client:
        busy_client.portal.call(busy_client.app.state.read_slots.acquire)  # one long read holds the only slot
        response = busy_client.post("/api/predict", content=digit_png, headers={"content-type": "image/png"})
        assert response.status_code == 503 and response.headers["retry-after"] == "5"
        busy_client.portal.call(busy_client.app.state.read_slots.release)
        assert busy_client.post("/api/predict", content=digit_png, headers={"content-type": "image/png"}).status_code == 200


def test_a_client_that_stalls_inside_its_headers_is_dropped(tmp_path):
    """Slowloris: half a request line and headers, then nothing; or endless headers. The server closes both."""
    import socket
    import time

    from conftest import live_server
    from digits.serving.protocol import HeaderTimeoutProtocol

    class Quick(HeaderTimeoutProtocol):
        header_seconds = 0.5

    with live_server(create_app(ServeSettings(feedback_db=tmp_path / "f.sqlite3")), http=Quick) as base:
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=5) as stalled:
            stalled.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            started = time.perf_counter()
            assert stalled.recv(1024) == b""  # closed by the server, not answered
            assert time.perf_counter() - started < 3
        for blank_lines in (b"", b"\r\n\r\n"):  # blank lines before a request line end no headers
            with socket.create_connection(("127.0.0.1", port), timeout=5) as bloated:
                bloated.sendall(blank_lines + b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"x" * 20_000)
                started = time.perf_counter()
                assert bloated.recv(1024) == b""  # over 16 KB of headers: closed at once, not at the deadline
                assert time.perf_counter() - started < 0.3
        with socket.create_connection(("127.0.0.1", port), timeout=5) as normal:
            normal.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            assert b"200 OK" in normal.recv(4096)


def test_a_photo_larger_than_the_header_cap_is_read_over_a_real_socket(tmp_path):
    """The 16 KB cap is on headers: an upload sent in the same packets as its headers is a body, not headers."""
    import socket

    from conftest import live_server
    from digits.data.synth import encode
    from digits.serving.protocol import HEADER_BYTES, HeaderTimeoutProtocol

    page = np.random.default_rng(0).integers(200, 256, (400, 400), dtype=np.uint8)  # paper grain: a big PNG
    page[100:300, 190:206] = 0  # a "1"
    photo = encode(page, "PNG")
    assert len(photo) > 4 * HEADER_BYTES
    request = (b"POST /api/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/png\r\nConnection: close\r\n"
               b"Content-Length: %d\r\n\r\n" % len(photo)) + photo
    with live_server(create_app(ServeSettings(feedback_db=tmp_path / "f.sqlite3")), http=HeaderTimeoutProtocol) as base:
        with socket.create_connection(("127.0.0.1", int(base.rsplit(":", 1)[1])), timeout=30) as client:
            client.sendall(request)  # headers and body in one write: they arrive together
            answer = b""
            while chunk := client.recv(65536):
                answer += chunk
    assert answer.startswith(b"HTTP/1.1 200") and b'"digit":1' in answer
