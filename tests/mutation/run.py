#!/usr/bin/env python3
"""run.py - the mutation harness: do the tests notice a small bug?

    tests/mutation/run.py [--sample N] [--seed S] [--only REGEX] [--files REGEX] [--asan]
                          [--work DIR] [--keep] [--list FILE] [--timeout SECS]
                          [--budget SECS] [--check] [--parse-only]
                          [--shard K/N] [--resume FILE]
    make mutation [MUTATION_FLAGS='--sample 20']

Reads the committed list of mutants (tests/mutation/mutants.txt, blocks of
"key value" lines separated by blank lines):

    mutant  nn.bn-eval-eps                   a unique name (the text after
                                             the key and its spaces is the
                                             value, literally: no escapes)
    file    src/nn/norm.c                    the file it changes
    from    sqrt((double)run_var[c] + eps)   code that occurs exactly once
                                             (blanks match any white space,
                                             newlines too)
    to      sqrt((double)run_var[c])         what replaces it
    nth     2                                (optional) which occurrence, when
                                             the text occurs more than once
    tests   tests/nn/test-edges tests/nn/test-parity-ops
    why     BatchNorm (eval) without its epsilon
    asan    yes                              (optional) a memory bug only the
                                             ASan build can see
    equivalent  REASON                       (optional) judged to change
                                             nothing the suite can observe,
                                             and why: reported, not run

Copies the source tree (the files git knows, as they are in the working
tree, never touching them) to a work directory, builds it once, then for
each mutant: writes the changed file into the copy, rebuilds, runs the
listed tests with `make check TESTS=...`, and puts the file back.  A mutant
is

    killed    a listed test failed, or the run timed out (marked "(timed
              out)" on its line and counted apart: a hang, or a loaded machine),
    survived  every listed test passed: the tests do not notice this bug,
    stale     its text no longer occurs in the file (the code moved): it
              says nothing about the tests and is not counted,
    ambiguous its text occurs more than once and no `nth` is given,
    no-build  the changed code does not compile (warnings allowed): not
              counted,
    skipped   needs the ASan build (asan yes) and --asan was not given,
    equivalent  judged unobservable (its `equivalent` line says why): not
              run, not counted.

Prints one line per mutant, then the kill rate per module (file) and per
layer, and exits 0 (1 with --check when a sampled mutant survived, 2 on a
harness error).  --sample N takes N mutants at random with --seed S
(default: today's date, printed so a run can be repeated).  --shard K/N
runs every Nth mutant from the Kth (0-based), so that N harnesses with
their own --work run a list together; --resume FILE takes the verdict of
each mutant a former run printed in FILE (its per-mutant lines) instead
of running it again, so a long run can be stopped and continued, and the
report of several shards is one --parse-only-free run with --resume of
their outputs.  The shell tests run with YJ_TEST_BAIL=1 (tests/cli/lib.sh
stops at the first failed assertion), so a killed mutant costs only what
kills it.  Python 3 standard library only.
"""

import argparse
import collections
import datetime
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

VERDICTS = ("killed", "survived", "stale", "ambiguous", "no-build", "skipped", "equivalent")
KEYS = ("mutant", "file", "from", "to", "nth", "tests", "why", "asan", "equivalent")


def parse(path):
    """The mutants of path, as dicts; raises ValueError naming the line."""
    out, cur, names = [], {}, set()

    def close(lineno):
        if not cur:
            return
        for k in ("mutant", "file", "from", "to", "tests", "why"):
            if k not in cur:
                raise ValueError("%s:%d: mutant %s has no '%s'" % (path, lineno, cur.get("mutant", "?"), k))
        if cur["mutant"] in names:
            raise ValueError("%s:%d: mutant %s named twice" % (path, lineno, cur["mutant"]))
        if cur["from"] == cur["to"]:
            raise ValueError("%s:%d: mutant %s changes nothing" % (path, lineno, cur["mutant"]))
        names.add(cur["mutant"])
        out.append(dict(cur))
        cur.clear()

    with open(path, encoding="utf-8") as f:
        lineno = 0
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if line.startswith("#"):
                continue
            if not line.strip():
                close(lineno)
                continue
            m = re.match(r"(\w+)\s(.*)$", line)
            if not m or m.group(1) not in KEYS:
                raise ValueError("%s:%d: expected one of %s, got %r" % (path, lineno, ", ".join(KEYS), line))
            k, v = m.group(1), m.group(2).lstrip(" ")
            # the spaces after the key only align the value; a pattern is
            # the rest of the line, literally (one line of code, its
            # indentation left out)
            if k in cur:
                raise ValueError("%s:%d: '%s' given twice" % (path, lineno, k))
            cur[k] = v
        close(lineno + 1)
    return out


def module_of(path):
    """src/nn/norm.c -> nn/norm.c; the layer is the part before the slash."""
    return path[4:] if path.startswith("src/") else path


def pattern(m):
    """The regular expression of m's `from`: its text literally, except that
    each run of blanks matches any run of white space (newlines included),
    so a pattern may span lines and survives re-indentation."""
    parts = m["from"].split()
    return re.compile(r"\s+".join(re.escape(p) for p in parts))


def apply(text, m):
    """(new text, None) or (None, 'stale'|'ambiguous')."""
    hits = list(pattern(m).finditer(text))
    if not hits:
        return None, "stale"
    nth = int(m.get("nth", "0") or 0)
    if nth:
        if nth > len(hits):
            return None, "stale"
        h = hits[nth - 1]
    elif len(hits) > 1:
        return None, "ambiguous"
    else:
        h = hits[0]
    return text[:h.start()] + m["to"] + text[h.end():], None


def kill_tmux(tmpdir):
    """Kill every tmux server whose socket is under TMPDIR, and the
    programs in its panes first: a workbench test starts a tmux server,
    which leaves the test's process group, and a test killed on a
    timeout never runs its own clean-up, so a mutant workbench could
    spin on (one did, for 90 minutes, ignoring SIGTERM)."""
    for dirpath, _, names in os.walk(tmpdir):
        for name in names:
            sock = os.path.join(dirpath, name)
            try:
                out = subprocess.run(["tmux", "-S", sock, "list-panes", "-a", "-F", "#{pane_pid}"],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=10).stdout
            except (OSError, subprocess.SubprocessError):
                continue
            for pid in out.split():
                try:
                    os.killpg(int(pid), signal.SIGKILL)
                except (ValueError, OSError):
                    pass
            try:
                subprocess.run(["tmux", "-S", sock, "kill-server"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, timeout=10)
            except (OSError, subprocess.SubprocessError):
                pass
    shutil.rmtree(tmpdir, ignore_errors=True)


def sh(cmd, cwd, log, timeout=None, env=None):
    # tmux servers the tests start put their sockets here, to be found
    # and killed after (kill_tmux)
    tmpdir = tempfile.mkdtemp(prefix="tmux.", dir=cwd)
    env = dict(env if env is not None else os.environ, TMUX_TMPDIR=tmpdir)
    with open(log, "ab") as f:
        f.write(("$ %s\n" % " ".join(cmd)).encode())
        f.flush()
        # its own process group, so that a timeout or an interrupt ends
        # the whole tree (a test a mutant made hang, ...), not only make
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=f, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        try:
            return proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            f.write(b"*** timed out\n")
            return None
        finally:
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # what is left of the group
            except ProcessLookupError:
                pass
            proc.wait()
            kill_tmux(tmpdir)


def copy_tree(top, dest):
    """The files git knows (tracked and untracked, not ignored), as they are
    in the working tree."""
    try:
        ls = subprocess.run(["git", "-C", top, "ls-files", "-z", "-c", "-o", "--exclude-standard"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True).stdout.split(b"\0")
    except (OSError, subprocess.CalledProcessError):
        # not a git checkout (a release tarball): every file but the
        # build directories
        ls = []
        for d, subs, files in os.walk(top):
            subs[:] = [x for x in subs if not x.startswith(("_", ".git", "autom4te"))]
            ls += [os.path.relpath(os.path.join(d, f), top).encode() for f in files]
    for rel in ls:
        if not rel:
            continue
        rel = rel.decode()
        if rel.startswith("_") or "/_b" in rel:
            continue
        src = os.path.join(top, rel)
        if not os.path.isfile(src):
            continue
        d = os.path.join(dest, rel)
        # only what differs, so a reused copy rebuilds only that (and a
        # mutant left behind by a killed run is undone)
        if os.path.isfile(d):
            with open(src, "rb") as f1, open(d, "rb") as f2:
                if f1.read() == f2.read():
                    continue
        os.makedirs(os.path.dirname(d), exist_ok=True)
        shutil.copy2(src, d)
        os.utime(d, None)


def on_signal(signum, frame):
    raise KeyboardInterrupt("signal %d" % signum)


def main():
    signal.signal(signal.SIGTERM, on_signal)
    top = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    ap = argparse.ArgumentParser(description="apply each committed mutant to a copy of the tree and run its tests")
    ap.add_argument("--list", default=os.path.join(top, "tests", "mutation", "mutants.txt"))
    ap.add_argument("--sample", type=int, default=0, help="run N mutants drawn at random")
    ap.add_argument("--seed", default=None, help="seed of the sample (default: today's date)")
    ap.add_argument("--only", default=None, help="mutants whose name matches this regular expression")
    ap.add_argument("--files", default=None, help="mutants whose file matches this regular expression")
    ap.add_argument("--asan", action="store_true", help="build with --enable-sanitizers (runs asan mutants)")
    ap.add_argument("--work", default=None, help="work directory (default: a new temporary one)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--timeout", type=int, default=600, help="seconds for one mutant's tests (default 600)")
    ap.add_argument("--check", action="store_true", help="exit 1 when a mutant survives")
    ap.add_argument("--budget", type=int, default=0,
                    help="start no new mutant after this many seconds of testing (0: no limit)")
    ap.add_argument("--parse-only", action="store_true", help="check the list and the patterns, run nothing")
    ap.add_argument("--shard", default=None, help="K/N: run every Nth mutant from the Kth (0-based)")
    ap.add_argument("--resume", action="append", default=[],
                    help="take the verdicts printed in this output of a former run (may be repeated)")
    a = ap.parse_args()

    try:
        muts = parse(a.list)
    except (OSError, ValueError) as e:
        print("run.py: %s" % e, file=sys.stderr)
        return 2
    if a.only:
        muts = [m for m in muts if re.search(a.only, m["mutant"])]
    if a.files:
        muts = [m for m in muts if re.search(a.files, m["file"])]
    if a.sample and a.sample < len(muts):
        seed = a.seed if a.seed is not None else datetime.date.today().strftime("%Y%m%d")
        print("# sample of %d of %d mutants, seed %s (repeat with --sample %d --seed %s)"
              % (a.sample, len(muts), seed, a.sample, seed))
        muts = random.Random(str(seed)).sample(muts, a.sample)
    if a.shard:
        k, n = (int(x) for x in a.shard.split("/"))
        muts = muts[k::n]
    done = {}
    for path in a.resume:
        with open(path, encoding="utf-8") as f:
            for line in f:
                w = line.split()
                if len(w) >= 3 and w[0] in VERDICTS:
                    done[w[1]] = w[0]

    # Patterns are checked against the working files first: a stale mutant
    # costs no build.
    originals, status = {}, {}
    for m in muts:
        p = os.path.join(top, m["file"])
        if p not in originals:
            try:
                with open(p, encoding="utf-8") as f:
                    originals[p] = f.read()
            except OSError:
                originals[p] = ""
        _, why = apply(originals[p], m)
        if why:
            status[m["mutant"]] = why
    if a.parse_only:
        for m in muts:
            print("%-9s %s" % (status.get(m["mutant"], "ok"), m["mutant"]))
        bad = sum(1 for m in muts if m["mutant"] in status)
        print("# %d mutants, %d whose pattern does not apply" % (len(muts), bad))
        return 0

    work = a.work or tempfile.mkdtemp(prefix="yujing-mutation-")
    srcdir, build = os.path.join(work, "src"), os.path.join(work, "build")
    log = os.path.join(work, "harness.log")
    print("# work directory %s (log %s)" % (work, log))
    sys.stdout.flush()
    t0 = time.time()
    copy_tree(top, srcdir)
    if not os.path.exists(os.path.join(build, "Makefile")):
        os.makedirs(build, exist_ok=True)
        # Without --enable-werror: a mutant that only adds a warning (an
        # unused variable) is a bug that compiles, and must be tested.
        conf = ["../src/configure"] + (["--enable-sanitizers"] if a.asan else [])
        if sh(["sh", "./bootstrap"], srcdir, log) != 0 or sh(conf, build, log) != 0:
            print("run.py: bootstrap or configure failed in the copy, see %s" % log, file=sys.stderr)
            return 2
    if sh(["make", "-j2"], build, log) != 0 or sh(["make", "-j2", "check", "TESTS="], build, log) != 0:
        print("run.py: the unchanged copy does not build, see %s" % log, file=sys.stderr)
        return 2
    print("# built the copy in %.0fs" % (time.time() - t0))
    sys.stdout.flush()

    results, timeouts = [], []
    t_loop = time.time()
    try:
        run_all(a, muts, status, srcdir, build, log, results, t_loop, done, timeouts)
    except KeyboardInterrupt:
        print("# interrupted: %d of %d mutants run" % (len(results), len(muts)))
    report(results)
    if timeouts:
        print("# %d of the killed timed out (--timeout %ds: a hang, or a machine too loaded): %s"
              % (len(timeouts), a.timeout, " ".join(timeouts)))
    if not a.keep and not a.work:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if a.check and any(st == "survived" for _, st in results) else 0


def run_all(a, muts, status, srcdir, build, log, results, t_loop, done, timeouts):
    for m in muts:
        name = m["mutant"]
        st = status.get(name)
        secs = 0.0
        if a.budget and time.time() - t_loop > a.budget:
            print("# the budget of %ds is spent: %d mutants not run" % (a.budget, len(muts) - len(results)))
            break
        # judged equivalent since a former run: that judgement stands
        if not st and m.get("equivalent"):
            st = "equivalent"
        if not st and name in done:
            results.append((m, done[name]))
            print("%-9s %-34s %5.0fs  %s: %s (from --resume)" % (done[name], name, 0, m["file"], m["why"]))
            continue
        if not st and m.get("asan") == "yes" and not a.asan:
            st = "skipped"
        timed_out = False
        if not st:
            t1 = time.time()
            path = os.path.join(srcdir, m["file"])
            with open(path, encoding="utf-8") as f:
                orig = f.read()
            new, _ = apply(orig, m)
            with open(path, "w", encoding="utf-8") as f:
                f.write(new)
            try:
                if sh(["make", "-j2"], build, log) != 0 or sh(["make", "-j2", "check", "TESTS="], build, log) != 0:
                    st = "no-build"
                else:
                    # one test at a time, stopping at the first that
                    # fails: a killed mutant costs only what kills it
                    st = "survived"
                    for test in m["tests"].split():
                        left = a.timeout - (time.time() - t1)
                        rc = sh(["make", "check", "TESTS=" + test], build, log, timeout=max(left, 1),
                                env=dict(os.environ, YJ_TEST_BAIL="1"))
                        if rc != 0:
                            st = "killed"
                            # a hang the mutant caused, or a loaded
                            # machine: the report counts them apart
                            timed_out = rc is None
                            break
            finally:
                with open(path, "w", encoding="utf-8") as f:
                    f.write(orig)
                # a new mtime, so the next build compiles the original again
                os.utime(path, None)
            secs = time.time() - t1
        results.append((m, st))
        if timed_out:
            timeouts.append(name)
        print("%-9s %-34s %5.0fs  %s: %s%s" % (st, name, secs, m["file"], m["why"],
                                              " (timed out)" if timed_out else ""))
        sys.stdout.flush()



def report(results):
    """The kill rate per module and per layer, then the survivors."""
    per = collections.OrderedDict()
    for m, st in results:
        per.setdefault(module_of(m["file"]), collections.Counter())[st] += 1
    layers = collections.OrderedDict()
    print("\n%-26s %7s %8s %6s   %s" % ("module", "killed", "counted", "rate", "not counted"))
    for mod in sorted(per):
        c = per[mod]
        layers.setdefault(mod.split("/")[0], collections.Counter()).update(c)
        counted = c["killed"] + c["survived"]
        rest = ", ".join("%d %s" % (c[k], k) for k in ("stale", "ambiguous", "no-build", "skipped", "equivalent")
                         if c[k])
        print("%-26s %7d %8d %5s%%   %s" % (mod, c["killed"], counted,
                                          "%.0f" % (100.0 * c["killed"] / counted) if counted else "-", rest))
    print("\n%-26s %7s %8s %6s" % ("layer", "killed", "counted", "rate"))
    tot = collections.Counter()
    for lay, c in layers.items():
        tot.update(c)
        counted = c["killed"] + c["survived"]
        print("%-26s %7d %8d %5s%%" % (lay, c["killed"], counted,
                                       "%.0f" % (100.0 * c["killed"] / counted) if counted else "-"))
    counted = tot["killed"] + tot["survived"]
    print("\n%d mutants: %d killed, %d survived (%s of those counted), %d stale, %d ambiguous, "
          "%d no-build, %d skipped, %d equivalent" % (len(results), tot["killed"], tot["survived"],
                                       "%.1f%% killed" % (100.0 * tot["killed"] / counted) if counted else "none",
                                       tot["stale"], tot["ambiguous"], tot["no-build"], tot["skipped"],
                                       tot["equivalent"]))
    for m, st in results:
        if st == "survived":
            print("SURVIVED: %s (%s): %s -- tests: %s" % (m["mutant"], m["file"], m["why"], m["tests"]))


if __name__ == "__main__":
    sys.exit(main())
