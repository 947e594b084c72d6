/**
 * A pytorch rank's rendezvous without torch: every rank prints its variables, resolves every instance by name and writes
 * `rank<r>.txt` to the folder given as its argument; the others report to rank 0 at MASTER_ADDR:MASTER_PORT and stay
 * until rank 0 heard them all, so no instance is gone while another still looks its name up.
 */
export const RENDEZVOUS_PY = `import os, socket, sys, time
rank, world = int(os.environ['RANK']), int(os.environ['WORLD_SIZE'])
master, port = os.environ['MASTER_ADDR'], int(os.environ['MASTER_PORT'])
print('vars rank=%d node_rank=%s local_rank=%s world=%d master=%s:%d' % (rank, os.environ['NODE_RANK'], os.environ['LOCAL_RANK'], world, master, port), flush=True)
print('hostname', socket.gethostname(), flush=True)

def patiently(attempt):
    deadline = time.monotonic() + 120
    while True:
        try:
            return attempt()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)

stem = master.rsplit('-', 1)[0]
listed = open('/etc/hosts').read().split()
print('all in /etc/hosts:', all('%s-%d' % (stem, index) in listed for index in range(world)), flush=True)
for index in range(world):
    patiently(lambda: socket.gethostbyname('%s-%d' % (stem, index)))
    print('resolves %s-%d' % (stem, index), flush=True)
with open(os.path.join(sys.argv[1], 'rank%d.txt' % rank), 'w') as out:
    out.write('written by rank %d\\n' % rank)
if rank == 0:
    server = socket.create_server(('', port))
    server.settimeout(120)
    peers = []
    for _ in range(world - 1):
        connection, _ = server.accept()
        peers.append(connection)
        print('heard:', connection.makefile().readline().strip(), flush=True)
    for connection in peers:
        with connection:
            connection.sendall(b'all heard\\n')
else:
    with patiently(lambda: socket.create_connection((master, port), timeout=5)) as connection:
        connection.sendall(('rank %d from %s\\n' % (rank, socket.gethostname())).encode())
        connection.settimeout(120)
        connection.makefile().readline()
`;
