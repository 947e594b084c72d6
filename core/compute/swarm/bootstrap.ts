/** Where the task finds its run's token (a swarm secret) and the data server's certificate (a swarm config). */
export const TOKEN_SECRET_FILE = 'mlw-run-token';
export const TOKEN_PATH = `/run/secrets/${TOKEN_SECRET_FILE}`;
export const CERTIFICATE_PATH = '/mlw-run-data-ca.pem';

/** How long the task waits for the data server to answer (a daemon restarting) before it gives up. */
const RETRY_SECONDS = 300;

/** The exit code of a task whose run's files could not be fetched or sent back (the log says which and why). */
export const DATA_PLANE_EXIT_CODE = 125;

/**
 * The command of every run task, in Python (run images have python3). As root, with only the capabilities to hand
 * files over: fetches the read-only mounts and the writable ones' initial content from the data server, runs the
 * user's command as the run user (no capabilities left) through `/bin/sh -c` with stderr merged into stdout, sends
 * the writable mounts back (unless `MLW_SEND_BACK` is `0`: an instance of a multi-instance run other than the first),
 * and exits with the command's exit code. Its own lines start with `[mlw]`.
 */
export const BOOTSTRAP = String.raw`
import json, os, shutil, signal, ssl, subprocess, sys, tarfile, tempfile, time, urllib.error, urllib.request

def say(text):
    print('[mlw] ' + text, flush=True)

env = os.environ
data_url = env.pop('MLW_DATA_URL')
base = data_url + '/mlw/mounts/'
mounts = json.loads(env.pop('MLW_MOUNTS'))
command = env.pop('MLW_RUN_COMMAND')
workdir = env.pop('MLW_RUN_DIR')
uid, gid = (int(part) for part in env.pop('MLW_RUN_USER').split(':'))
send_back = env.pop('MLW_SEND_BACK', '1') == '1'
instance_hosts = env.pop('MLW_INSTANCE_HOSTS', '') == '1'
context = ssl.create_default_context(cadata=open('${CERTIFICATE_PATH}').read())
token = open('${TOKEN_PATH}').read().strip()

def call(index, method='GET', body=None, size=None):
    headers = {'Authorization': 'Bearer ' + token}
    if size is not None:
        headers['Content-Length'] = str(size)
    request = urllib.request.Request(base + str(index), method=method, data=body, headers=headers)
    return urllib.request.urlopen(request, context=context, timeout=3600)

def patiently(what, attempt):
    # A daemon that restarts serves the run again on the same address: wait for it rather than fail at once.
    deadline = time.monotonic() + ${RETRY_SECONDS}
    while True:
        try:
            return attempt()
        except urllib.error.HTTPError:
            raise
        except OSError as error:
            if time.monotonic() > deadline:
                raise
            say('%s: %s; trying again' % (what, getattr(error, 'reason', error)))
            time.sleep(2)

def own(path):
    for root, dirs, files in os.walk(path):
        os.chown(root, uid, gid)
        for name in dirs + files:
            os.lchown(os.path.join(root, name), uid, gid)

def fetch(mount):
    target = mount['target']
    with call(mount['index']) as answer:
        if answer.headers.get('x-mlw-kind') == 'file':
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, 'wb') as out:
                shutil.copyfileobj(answer, out)
        else:
            os.makedirs(target, exist_ok=True)
            with tarfile.open(fileobj=answer, mode='r|') as archive:
                archive.extractall(target, **({'filter': 'data'} if hasattr(tarfile, 'data_filter') else {}))
    if not mount['readOnly']:
        own(target)

def send(mount):
    with tempfile.TemporaryFile() as packed:
        with tarfile.open(fileobj=packed, mode='w') as archive:
            archive.add(mount['target'], arcname='.')
        size = packed.tell()
        def upload():
            packed.seek(0)
            call(mount['index'], 'PUT', packed, size).read()
        patiently('sending ' + mount['target'], upload)
    return size

def learn_hosts():
    # The other instances' addresses as the manager assigned them: a node's DNS may learn them late, or not at all.
    deadline = time.monotonic() + ${RETRY_SECONDS}
    while True:
        try:
            request = urllib.request.Request(data_url + '/mlw/hosts', headers={'Authorization': 'Bearer ' + token})
            with urllib.request.urlopen(request, context=context, timeout=60) as answer:
                hosts = json.load(answer)
            break
        except urllib.error.HTTPError as error:
            if error.code != 503 or time.monotonic() > deadline:
                raise
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.5)
    with open('/etc/hosts', 'a') as out:
        for name, address in sorted(hosts.items()):
            out.write('%s\t%s\n' % (address, name))

try:
    for mount in mounts:
        patiently('fetching ' + mount['target'], lambda: fetch(mount))
    os.makedirs(workdir, exist_ok=True)
    if instance_hosts:
        learn_hosts()
except Exception as error:
    say('could not fetch the run\'s files from ' + base + ': ' + str(error))
    sys.exit(${DATA_PLANE_EXIT_CODE})
say('files fetched (%d mounts); running the command%s' % (len(mounts), '' if send_back else ' (instance 0 sends the outputs back)'))

def as_run_user():
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)

env.setdefault('HOME', '/tmp')
process = subprocess.Popen(['/bin/sh', '-c', command], cwd=workdir, stderr=subprocess.STDOUT, preexec_fn=as_run_user)
for stop in (signal.SIGTERM, signal.SIGINT):
    signal.signal(stop, lambda number, frame: process.send_signal(number))
code = process.wait()
code = 128 - code if code < 0 else code
sys.stdout.flush()

failed = False
for mount in mounts:
    if mount['readOnly'] or not send_back:
        continue
    try:
        say('sent %s back (%d bytes)' % (mount['target'], send(mount)))
    except Exception as error:
        failed = True
        say('could not send %s back: %s' % (mount['target'], error))
sys.exit(${DATA_PLANE_EXIT_CODE} if failed and code == 0 else code)
`;
