export const MAIN_HELP = `dniflow — train networks whose modules talk through Decoupled Neural Interfaces

Usage:
  dniflow <command> [options]

Commands:
  train <graph.ts>   train a network defined in a graph file (see dniflow train --help)
  viz <graph.ts>     draw a network to .svg, .html, .gexf or .json (see dniflow viz --help)
  plot <run-dir>     plot a run's metrics, or a feed-forward table, to .svg or .html
  table feedforward  run the paper's MNIST table (FCN/CNN x No Bprop/Bprop/DNI/cDNI) beside its numbers
  sample <run-dir>   generate text from a trained character-level language model
  table recurrent    run the paper's Copy / Repeat Copy table (T x BPTT/DNI/DNI+Aux) beside its numbers
  info               print the compute backend in use and its BLAS thread count
  partition          run one partition of a 'train --scheduler nats' run (see dniflow partition --help)

Options:
  -h, --help         show this help
  -v, --version      print the version
`;

export const TRAIN_HELP = `Usage:
  dniflow train <graph.ts> [options]

Trains the network that <graph.ts> default-exports (defineGraph from 'dniflow') on its dataset,
and prints one metrics line per epoch: train loss, test error (%) and seconds. A recurrent graph
(graphs/copy.ts, graphs/repeat-copy.ts) trains on an endless stream instead: an epoch is a number
of ticks per lane, and its line gives the task's current N and R, the largest task length solved so
far, the training error in bits per target tick, and the state loop's synthetic-gradient loss and
cosine to its target. A multi-network system (graphs/odd-threes.ts: two LSTMs on two clocks) also
trains on a stream of ticks; its line gives both networks' count accuracy on held-out digits, their
updates, the synthetic gradient's fit, and A's locked time (async: virtual, workers: wall clock).

Options:
  --set key=value    set a graph parameter (repeatable), e.g. --set layers=4
  --epochs N         number of epochs (positive integer; default from the graph)
  --batch B          minibatch size (positive integer; default from the graph)
  --lr X             learning rate (positive number; default from the graph)
  --lr-schedule S    the learning rate's multiplier by iteration (global step), replacing the
                     graph's schedule: constant (none), step:EVERY:FACTOR (times FACTOR, in (0, 1],
                     every EVERY steps) or cosine[:FLOOR] (half a cosine from 1 to FLOOR, default
                     0, over the run's steps); feed-forward graphs; kept by --resume
  --seed S           seed for initialisation, shuffling and every random stream (default 1)
  --train-limit N    use only the first N training examples (for quick runs)
  --test-limit N     evaluate on only the first N test examples
  --out DIR          write DIR/run.json (settings and status: running, completed, failed or
                     interrupted), DIR/metrics.jsonl (one JSON object per epoch) and
                     DIR/checkpoint.ckpt (the last good state, saved after every epoch); every
                     file is replaced atomically. A DIR that holds another run is refused
  --overwrite        with --out: replace the run in DIR (the old one stays until the new one starts)
  --resume DIR       continue the run in DIR from its checkpoint, bit for bit: parameters,
                     optimiser moments, synthetic models, random streams and data order. Its
                     graph, --set values, seed, batch, lr and limits are the run's (giving other
                     ones is refused); --epochs is the total to reach (default: the run's). A
                     larger total is refused when the schedule reads the run's length (a cosine,
                     the FCN and CNN graphs' default): it would change steps already trained
  --max-loss X       stop as diverged when a step's mean loss exceeds X, even while finite
                     (default 1e6); NaN or infinite values always stop training
  --scheduler S      lockstep (default: deterministic, one step at a time), async (every module
                     on its own virtual clock; per-module busy/locked/queued time is reported) or
                     workers (modules in worker threads, really in parallel; one BLAS thread each)
                     or nats (modules in OS processes joined by a NATS server, on this host or
                     others; one BLAS thread each)
  --placement P      workers and nats: module groups, one per worker or process, e.g.
                     "layer1,layer2|layer3,classifier" (default: two groups of about equal
                     compute, synthetic models included)
  --nats-url URL     nats: a running server, nats://[user:password@]host:port (or nats://token@...);
                     default: a nats-server started on 127.0.0.1 on a free port for the run
  --nats-creds FILE  nats: a NATS credentials file (user JWT and NKEY seed, as nsc writes them)
                     instead of credentials in the URL; the processes started here use it too
  --run-id ID        nats: names the run's subjects (default: random); processes started by hand use it
  --nats-remote P    nats: partitions (indices or a module of each, comma-separated) not started
                     here: the command to start each on its host is printed (needs --nats-url)
  --dashboard        serve a live page on 127.0.0.1 while training (network, messages, curves)
  --port P           the dashboard's port (default 8737; 0 picks a free one)
  --ticks N          recurrent and multi-network graphs: ticks per lane in an epoch (default from
                     the graph)
  --clip X           recurrent and multi-network graphs: clip each LSTM core's gradient norm per
                     window to X
  --patience N       text graphs: stop after N epochs without a better validation bits/char
  --json             print one JSON object per line instead of text (no progress bar)
  -h, --help         show this help

Recurrent graphs run on the lockstep scheduler; they checkpoint after every epoch and --resume
continues them bit for bit (carried state, synthetic-gradient models, Copy curriculum, text
position, best parameters), with --ticks, --clip and --patience kept as the run's.
Multi-network systems on lockstep or async checkpoint after every epoch too, and --resume continues
them bit for bit (both networks, each LSTM's carried state, the synthetic-gradient model, the digit
stream, async's virtual clock), with --ticks, --clip and the scheduler kept as the run's; under
workers or nats (A and B in other threads or processes) they write no checkpoint and refuse it.
Each epoch's JSON line has "epoch", "train_loss", "test_error" (percent) and "seconds".
Under nats, a partition process that exits, hangs or loses its connection ends the run within
5 s with an error naming its modules, pid and host.
Bad flags or values exit with code 2 (a malformed --nats-url too); a failed run (divergence, a
full disk, an unreachable NATS server) with 1. SIGINT or SIGTERM stops at the next batch, marks
DIR interrupted, and exits with 130 or 143.
`;

export const PARTITION_HELP = `Usage:
  dniflow partition --nats-url URL [--nats-creds FILE] --run-id ID --partition N

Runs partition N (a group of modules, as --placement numbers them from 0) of the
'dniflow train --scheduler nats' run ID, whose coordinator reaches the NATS server at URL. The
coordinator starts these itself; start one by hand on another host for each partition given to
--nats-remote (the coordinator prints the command). The process joins the run, is refused if its
code differs from the coordinator's, takes its modules' state, trains, and exits when the run ends,
when the coordinator goes silent for 10 s, or when it loses its connection.

Options:
  --nats-url URL     nats://[user:password@]host:port, the same server as the coordinator's
                     (default: $DNIFLOW_NATS_URL, how a coordinator hands it to the processes it
                     starts without showing a password on their command line)
  --nats-creds FILE  a NATS credentials file (user JWT and NKEY seed) instead of credentials in the URL
  --run-id ID        the run's id (--run-id of train, or the one it printed)
  --partition N      which partition to run (0, 1, ...)
  --exit-with-stdin  exit when standard input ends (how a coordinator that spawns it ties it to itself)
  -h, --help         show this help
`;
