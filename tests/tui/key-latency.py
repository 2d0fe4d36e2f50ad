#!/usr/bin/python3
"""key-latency.py - measure how fast the workbench answers a key while a
training run is going (a measurement, not a test: not in make check).

    tests/tui/key-latency.py BUILDDIR/yujing [SAMPLES]

Builds a project in a temporary directory (20 categories x 1000 cases,
two numeric fields and a text field), starts `yujing train` on it in the
background (another process writing its progress to the project, as the
Train view's `s` does), opens the workbench in a private tmux server at
80x24, and then switches views 4 (Train, following the run live) and 6
(Runs, also live) in turn: each sample is the time from `tmux send-keys`
returning to the first `capture-pane` that shows the new view, so it
includes tmux's own latency and the polling (an upper bound of the
workbench's); the workbench's own part, from reading the key to the
flushed frame, comes from its YUJING_TUI_TRACE file.  Three phases in one invocation: idle (the peer: tmux and
the polling alone), while a run started from the shell trains, and while
a run started from the Train view (at the workbench's nice value) trains.
Prints the median, 90th percentile and worst of each.
"""
import json, os, random, shutil, signal, statistics, subprocess, sys, tempfile, time

yj = os.path.abspath(sys.argv[1])
samples = int(sys.argv[2]) if len(sys.argv) > 2 else 40
d = tempfile.mkdtemp(prefix="yj-latency.")
sock = "yjlat%d" % os.getpid()
def tm(*a, **kw):
    return subprocess.run(["tmux", "-L", sock, "-f", "/dev/null", *a], check=True,
                          stdout=subprocess.PIPE, **kw).stdout.decode("utf-8", "replace")
def yujing(*a):
    subprocess.run([yj, *a], cwd=d, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    rnd = random.Random(7)
    words = "夜间 入室 盗窃 现金 商场 扒窃 手机 冒充 客服 电话 诈骗 持刀 抢劫 路人 财物".split()
    with open(os.path.join(d, "cases.csv"), "w", encoding="utf-8") as f:
        f.write("id,crime,x,y,note\n")
        for k in range(20):
            for i in range(1000):
                f.write("k%02d%04d,c%02d,%.3f,%.3f,%s\n" % (k, i, k, k + rnd.random() * 3, rnd.random(),
                                                          "".join(rnd.choice(words) for _ in range(6))))
    yujing("init", "p.yj")
    yujing("import", "p.yj", "--source", "cases", "--key", "id", "--label", "crime", "--text", "note", "cases.csv")
    yujing("clean", "p.yj")
    yujing("split", "p.yj")
    tm("new-session", "-d", "-s", "s", "-x", "80", "-y", "24", "-c", d, "env YUJING_TUI_TRACE=%s/trace.txt %s tui p.yj 2>/dev/null" % (d, yj))
    def wait(text, limit=30):
        t0 = time.monotonic()
        while time.monotonic() - t0 < limit:
            if text in tm("capture-pane", "-p", "-t", "s"):
                return
            time.sleep(0.001)
        sys.exit("the screen never showed %r\n%s" % (text, tm("capture-pane", "-p", "-t", "s")))
    wait("Sources (1)")
    trace = os.path.join(d, "trace.txt")
    def traced():
        try:
            return [tuple(map(float, x.split())) for x in open(trace)]
        except FileNotFoundError:
            return []
    def stats(v):
        v = sorted(v)
        return "median %.1f ms, 90th percentile %.1f ms, worst %.1f ms" % (
            statistics.median(v), v[int(0.9 * (len(v) - 1))], v[-1])
    def measure(train, runs):
        out = []
        before = len(traced())
        for i in range(samples):
            key, text = ("6", runs) if i % 2 == 0 else ("4", "Settings")
            time.sleep(0.25)
            t0 = time.monotonic()
            tm("send-keys", "-t", "s", key)
            wait(text)
            out.append((time.monotonic() - t0) * 1000)
            if train and train.poll() is not None:
                sys.exit("the run ended before the measurement did")
        time.sleep(0.2)
        inside = traced()[before:]
        return "%s\n    in the workbench, key read to frame flushed: %s;\n    of it on the processor: %s" % (
            stats(out), stats([w for w, _ in inside]), stats([c for _, c in inside]))
    # the peer: the same keys with nothing else going on (tmux and the
    # polling's own cost), then while a run trains
    idle = measure(None, "No runs yet")
    train = subprocess.Popen([yj, "train", "p.yj", "--epochs", "1000", "--batch", "16"], cwd=d,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    tm("send-keys", "-t", "s", "6")
    wait("Runs (1)")
    time.sleep(2)
    busy = measure(train, "Runs (1)")
    train.send_signal(signal.SIGINT)  # stops after the current step
    train.wait()
    # a run started from the Train view (s), as a user would: it runs at
    # the workbench's TUI_CHILD_NICE
    tm("send-keys", "-t", "s", "4")
    wait("Run 1: cancelled")  # else s would refuse: a run is training
    tm("send-keys", "-t", "s", "g", "Enter", "C-u")
    tm("send-keys", "-t", "s", "-l", "1000")
    tm("send-keys", "-t", "s", "Enter", "s")
    wait("Run 2: running", 180)  # loading 20,000 cases at nice 10
    time.sleep(2)
    tui = measure(None, "Runs (2)")
    runs = subprocess.run([yj, "runs", "p.yj", "--json"], cwd=d, check=True,
                          stdout=subprocess.PIPE).stdout
    if json.loads(runs)["runs"][1]["status"] != "running":
        sys.exit("run 2 ended before the measurement did")
    # stop run 2 (detached: it would outlive the workbench) and wait for it
    yujing("train", "p.yj", "--cancel", "2")
    for _ in range(300):
        runs = subprocess.run([yj, "runs", "p.yj", "--json"], cwd=d, stdout=subprocess.PIPE).stdout
        if json.loads(runs)["runs"][1]["status"] != "running":
            break
        time.sleep(0.1)
    print("%d key presses each, 80x24, tmux send-keys to capture-pane showing the new view:" % samples)
    print("  idle:                                 %s" % idle)
    print("  while a run started from the shell trains:     %s" % busy)
    print("  while a run started from the Train view trains: %s" % tui)
finally:
    subprocess.run(["tmux", "-L", sock, "kill-server"], stderr=subprocess.DEVNULL)
    shutil.rmtree(d, ignore_errors=True)
