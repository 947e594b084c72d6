"""mlw's scoring host: Azure ML's online scoring contract, with the standard library only.

The deployment's scoring script (AML_APP_ROOT / AZUREML_ENTRY_SCRIPT) is imported once; its init() runs once in
this worker after the server listens, and run(raw_data) once per POST /score. GET / answers while the process is
alive (liveness), GET /ready once init() finished (readiness).
"""
import importlib.util
import json
import os
import sys
import threading
import traceback
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as RunTimeout
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

APP_ROOT = os.environ.get("AML_APP_ROOT", os.getcwd())
ENTRY_SCRIPT = os.environ.get("AZUREML_ENTRY_SCRIPT", "score.py")
PORT = int(os.environ.get("MLW_SCORING_PORT", "5001"))
HOST = os.environ.get("MLW_SCORING_ADDRESS", "0.0.0.0")
REQUEST_TIMEOUT_S = int(os.environ.get("MLW_REQUEST_TIMEOUT_MS", "5000")) / 1000
MAX_CONCURRENT = max(1, int(os.environ.get("MLW_MAX_CONCURRENT_REQUESTS", "1")))
MAX_QUEUE_WAIT_S = int(os.environ.get("MLW_MAX_QUEUE_WAIT_MS", "500")) / 1000
MAX_BODY_BYTES = 100 * 1024 * 1024
# Errors a script raises on input it cannot read: the caller's fault (400), not the deployment's (500).
CLIENT_ERRORS = (ValueError, KeyError, TypeError, IndexError)

slots = threading.BoundedSemaphore(MAX_CONCURRENT)
# run() calls run on these threads, started once: a request holds a slot until its run() returns, so a free slot always
# finds a free thread.
runners = ThreadPoolExecutor(max_workers=MAX_CONCURRENT, thread_name_prefix="run")
ready = threading.Event()
state = {"script": None}


def log(message):
    print(f"[scoring] {message}", flush=True)


def load_script():
    path = os.path.join(APP_ROOT, ENTRY_SCRIPT)
    sys.path.insert(0, os.path.dirname(path))
    sys.path.insert(0, APP_ROOT)
    spec = importlib.util.spec_from_file_location("score", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import the scoring script {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not callable(getattr(module, "run", None)):
        raise AttributeError(f"the scoring script {ENTRY_SCRIPT} has no run(raw_data) function")
    return module


def initialize():
    try:
        script = load_script()
        if callable(getattr(script, "init", None)):
            script.init()
        state["script"] = script
        ready.set()
        log(f"init() of {ENTRY_SCRIPT} finished; ready")
    except BaseException:
        traceback.print_exc()
        log(f"init() of {ENTRY_SCRIPT} failed; exiting")
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(1)


def encode_result(result):
    """As Azure ML answers: bytes as they are, anything else (a str included) as JSON."""
    if isinstance(result, (bytes, bytearray)):
        return bytes(result), "application/octet-stream"
    return json.dumps(result).encode("utf-8"), "application/json"


def error_text(error):
    return f"{type(error).__name__}: {error}"


class ScoringHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    # buffered: the status line, headers and body leave in one write when the request is handled, not two
    wbufsize = -1
    server_version = "mlw-scoring"

    def log_message(self, format, *args):
        pass

    def answer(self, status, body, content_type="application/json"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def answer_error(self, status, message):
        self.answer(status, json.dumps({"error": message}).encode("utf-8"))

    def do_GET(self):
        route = self.path.split("?", 1)[0]
        if route == "/":
            self.answer(200, b"Healthy", "text/plain")
        elif route == "/ready":
            if ready.is_set():
                self.answer(200, b"Ready", "text/plain")
            else:
                self.answer(503, b"init() has not finished", "text/plain")
        else:
            self.answer_error(404, f"no route GET {route}")

    def do_POST(self):
        route = self.path.split("?", 1)[0]
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self.close_connection = True
            return self.answer_error(413, f"request body over {MAX_BODY_BYTES} bytes")
        raw = self.rfile.read(length) if length else b""
        if route != "/score":
            return self.answer_error(404, f"no route POST {route}")
        if not ready.is_set():
            return self.answer_error(503, "the scoring script's init() has not finished")
        if not slots.acquire(timeout=MAX_QUEUE_WAIT_S):
            return self.answer_error(429, f"too many requests: {MAX_CONCURRENT} already running, none finished within {int(MAX_QUEUE_WAIT_S * 1000)} ms")
        self.score(raw.decode("utf-8", errors="replace"))

    def score(self, raw_data):
        def call():
            try:
                return state["script"].run(raw_data)
            finally:
                slots.release()

        try:
            result = runners.submit(call).result(timeout=REQUEST_TIMEOUT_S)
        except RunTimeout:
            log(f"run() took longer than request_timeout_ms ({int(REQUEST_TIMEOUT_S * 1000)} ms)")
            return self.answer_error(408, f"run() did not finish within request_timeout_ms ({int(REQUEST_TIMEOUT_S * 1000)} ms)")
        except BaseException as error:
            sys.stdout.write("".join(traceback.format_exception(type(error), error, error.__traceback__)))
            sys.stdout.flush()
            return self.answer_error(400 if isinstance(error, CLIENT_ERRORS) else 500, error_text(error))
        try:
            body, content_type = encode_result(result)
        except (TypeError, ValueError) as error:
            return self.answer_error(500, f"run() returned a value that is not JSON: {error_text(error)}")
        self.answer(200, body, content_type)


class ScoringServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    server = ScoringServer((HOST, PORT), ScoringHandler)
    log(f"listening on {HOST}:{server.server_address[1]}; scoring script {os.path.join(APP_ROOT, ENTRY_SCRIPT)}")
    threading.Thread(target=initialize, daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
