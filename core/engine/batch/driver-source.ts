/**
 * The batch scoring driver a batch deployment's job runs (Python 3, standard library only). It lists the input's
 * files (sorted by path), cuts them into mini-batches of `mini_batch_size`, and hands them to
 * `max_concurrency_per_instance` worker processes; each worker imports the scoring script, calls `init()` once and
 * `run(mini_batch)` per mini-batch. A mini-batch that raises, or outlives `timeout`, is tried again (its worker
 * replaced) up to `max_retries` tries in all; then its files count as failed, as do the files `run()` returned no
 * row for. Past `error_threshold` failed files (-1: never) the job stops and fails. `append_row` writes the rows to
 * `output_file_name` in mini-batch order (within one, as `run()` returned them); `summary_only` writes no file.
 * Settings come as JSON in MLW_BATCH_SETTINGS; `--scoring-script` names mlw's own script for MLflow models.
 */
export const BATCH_DRIVER_SOURCE = String.raw`
import csv, importlib.util, io, json, logging, os, queue, subprocess, sys, tempfile, threading, traceback

SETTINGS = json.loads(os.environ["MLW_BATCH_SETTINGS"])
LOG = logging.getLogger("mlw.batch")


def configure_logging():
    level = getattr(logging, SETTINGS["logging_level"].upper(), logging.INFO)
    logging.basicConfig(level=level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def load_script(path):
    folder = os.path.dirname(os.path.abspath(path))
    if folder not in sys.path:
        sys.path.insert(0, folder)
    spec = importlib.util.spec_from_file_location(os.path.splitext(os.path.basename(path))[0], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not callable(getattr(module, "run", None)):
        raise RuntimeError(path + " defines no run(mini_batch) function")
    return module


def as_rows(result):
    if result is None:
        raise TypeError("run() returned None; it must return a list or a pandas DataFrame with one element per item scored")
    if hasattr(result, "to_csv") and hasattr(result, "columns"):
        return result.to_csv(header=False, index=False).splitlines()
    if isinstance(result, (str, bytes)) or not hasattr(result, "__iter__"):
        raise TypeError("run() returned a " + type(result).__name__ + "; it must return a list or a pandas DataFrame")
    rows = []
    for item in result:
        if isinstance(item, (list, tuple)):
            line = io.StringIO()
            csv.writer(line, lineterminator="").writerow(item)
            rows.append(line.getvalue())
        elif isinstance(item, dict):
            rows.append(json.dumps(item))
        else:
            rows.append(str(item))
    return rows


def worker():
    # The protocol keeps the real stdout; whatever the scoring script prints goes to the job's log.
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    # Whole lines (even unbuffered, print writes its pieces apart), so concurrent workers' lines do not interleave.
    sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), line_buffering=True)
    sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), line_buffering=True)
    configure_logging()
    try:
        module = load_script(SETTINGS["scoring_script"])
        if callable(getattr(module, "init", None)):
            module.init()
    except BaseException:
        traceback.print_exc()
        protocol.write(json.dumps({"init_error": traceback.format_exc(limit=3).strip().splitlines()[-1]}) + "\n")
        return
    protocol.write(json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        files = json.loads(line)
        try:
            answer = {"rows": as_rows(module.run(files))}
            # mlw's own MLflow scoring script names the files it failed, as it may return several rows per file.
            failed = getattr(module, "mlw_failed_items", None)
            if isinstance(failed, list):
                answer["failed"] = [str(reason) for reason in failed]
            protocol.write(json.dumps(answer) + "\n")
        except Exception as error:
            traceback.print_exc()
            protocol.write(json.dumps({"error": type(error).__name__ + ": " + str(error)}) + "\n")


class InitFailed(Exception):
    pass


class Worker:
    def __init__(self, number):
        self.number = number
        self.process = None
        self.lines = None

    def start(self):
        self.process = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        self.lines = queue.Queue()
        threading.Thread(target=self.read, args=(self.process, self.lines), daemon=True).start()
        first = self.lines.get()
        if first is None or "init_error" in first:
            raise InitFailed((first or {}).get("init_error", "the worker process exited during init()"))

    @staticmethod
    def read(process, lines):
        for line in process.stdout:
            lines.put(json.loads(line))
        lines.put(None)

    def score(self, files, timeout):
        if self.process is None:
            self.start()
        try:
            self.process.stdin.write(json.dumps(files) + "\n")
            self.process.stdin.flush()
        except OSError:
            self.stop()
            return {"error": "the worker process exited"}
        try:
            answer = self.lines.get(timeout=timeout)
        except queue.Empty:
            self.stop()
            return {"error": "run() took longer than the timeout of " + str(timeout) + " s"}
        if answer is None:
            self.stop()
            return {"error": "the worker process exited (code " + str(self.process.wait() if self.process else "?") + ")"}
        return answer

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None


class Run:
    def __init__(self, batches):
        self.batches = batches
        self.next = 0
        self.rows = [None] * len(batches)
        self.succeeded = [0] * len(batches)
        self.failed_items = 0
        self.failed_batches = 0
        self.aborted = None
        self.lock = threading.Lock()

    def take(self):
        with self.lock:
            if self.aborted or self.next >= len(self.batches):
                return None
            self.next += 1
            return self.next - 1

    def count_failed(self, items):
        threshold = SETTINGS["error_threshold"]
        with self.lock:
            self.failed_items += items
            if threshold >= 0 and self.failed_items > threshold and not self.aborted:
                self.aborted = str(self.failed_items) + " failed items exceed error_threshold " + str(threshold)

    def work(self, worker):
        tries = max(1, SETTINGS["max_retries"])
        try:
            while True:
                index = self.take()
                if index is None:
                    return
                files = self.batches[index]
                label = "mini-batch " + str(index + 1) + "/" + str(len(self.batches))
                for attempt in range(1, tries + 1):
                    answer = worker.score(files, SETTINGS["timeout"])
                    if "rows" in answer:
                        rows = answer["rows"]
                        self.rows[index] = rows
                        for reason in answer.get("failed", []):
                            LOG.error("%s: %s", label, reason)
                        missing = len(answer["failed"]) if "failed" in answer else max(0, len(files) - len(rows))
                        self.succeeded[index] = len(files) - missing
                        LOG.info("%s: %d items, %d rows%s", label, len(files), len(rows), " (" + str(missing) + " failed)" if missing else "")
                        if missing:
                            self.count_failed(missing)
                        break
                    LOG.warning("%s, try %d of %d: %s", label, attempt, tries, answer["error"])
                else:
                    LOG.error("%s failed after %d tries: its %d items count as failed", label, tries, len(files))
                    with self.lock:
                        self.failed_batches += 1
                    self.count_failed(len(files))
        except InitFailed as error:
            with self.lock:
                self.aborted = self.aborted or "init() failed: " + str(error)
        finally:
            worker.stop()


def list_files(path):
    if os.path.isfile(path):
        return [path]
    found = []
    for folder, _, names in os.walk(path):
        found.extend(os.path.join(folder, name) for name in names)
    return sorted(found, key=lambda f: os.path.relpath(f, path))


def model_dir(path, name):
    # As in Azure ML, AZUREML_MODEL_DIR is the folder holding the model under its own name.
    if os.path.basename(os.path.normpath(path)) == name:
        return os.path.dirname(os.path.normpath(path))
    folder = tempfile.mkdtemp(prefix="mlw-model-")
    os.symlink(os.path.abspath(path), os.path.join(folder, name))
    return folder


def main(args):
    configure_logging()
    options = dict(zip(args[0::2], args[1::2]))
    if "--scoring-script" in options:
        SETTINGS["scoring_script"] = options["--scoring-script"]
        os.environ["MLW_BATCH_SETTINGS"] = json.dumps(SETTINGS)
    if "--model" in options:
        os.environ["AZUREML_MODEL_DIR"] = model_dir(options["--model"], SETTINGS.get("model_name") or os.path.basename(options["--model"]))
    files = list_files(options["--input"])
    size = SETTINGS["mini_batch_size"]
    batches = [files[i:i + size] for i in range(0, len(files), size)]
    processes = max(1, min(SETTINGS["max_concurrency_per_instance"], len(batches)))
    print("[mlw batch] " + str(len(files)) + " items in " + str(len(batches)) + " mini-batches of up to " + str(size) + ", " + str(processes) + " worker process(es)", flush=True)
    run = Run(batches)
    threads = [threading.Thread(target=run.work, args=(Worker(n),)) for n in range(processes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    scored = sum(len(rows) for rows in run.rows if rows is not None)
    if SETTINGS["output_action"] == "append_row":
        target = os.path.join(options["--output"], SETTINGS["output_file_name"])
        with open(target, "w", encoding="utf-8") as out:
            for rows in run.rows:
                for row in rows or []:
                    out.write(row + "\n")
        print("[mlw batch] " + str(scored) + " rows written to " + SETTINGS["output_file_name"], flush=True)
    succeeded = sum(run.succeeded)
    left = len(files) - succeeded - run.failed_items
    print("[mlw batch] summary: " + str(len(files)) + " items, " + str(succeeded) + " succeeded, " + str(run.failed_items) + " failed, " + str(run.failed_batches) + " mini-batches failed" + (", " + str(left) + " not scored" if left > 0 else ""), flush=True)
    if run.aborted:
        print("[mlw batch] stopped: " + run.aborted, file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--worker"]:
        worker()
    else:
        sys.exit(main(sys.argv[1:]))
`;
