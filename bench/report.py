#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the raw results of bench/guest/bench.sh into the report.

usage: report.py --raw DIR --out FILE.md [--host-cpu S] [--host-cpus N]
                 [--mem MB] [--flavour F] [--mode full|quick] [--vm-rc N]
       report.py --check FILE.md [--vm-rc N]

Every number in the report comes from DIR (the guest's measurements);
the only constants below are the paper's published figures, quoted in
their own column for comparison.  Plots are PNGs made by gnuplot, in
FILE's directory under FILE-without-.md/.
"""
import argparse
import datetime
import os
import re
import statistics
import subprocess
import sys


def kv(line):
    return dict(re.findall(r'(\w+)=(\S+)', line))


def lines(raw, name, prefix):
    path = os.path.join(raw, name)
    if not os.path.exists(path):
        return []
    with open(path, errors='replace') as f:
        return [kv(x) for x in f if x.startswith(prefix)]


def med(xs):
    return statistics.median(xs) if xs else None


def us(ns):
    return '-' if ns is None else f'{ns / 1000:.1f}'


def ratio(a, b, digits=2):
    if a is None or b is None or b == 0:
        return '-'
    return f'{a / b:.{digits}f}'


def size_bytes(s):
    m = re.match(r'(\d+)([KMG]?)', s)
    return int(m.group(1)) << {'': 0, 'K': 10, 'M': 20, 'G': 30}[m.group(2)]


def human(b):
    b = float(b)
    for unit in ('B', 'KiB', 'MiB', 'GiB'):
        if b < 1024 or unit == 'GiB':
            return f'{b:.0f} {unit}' if unit == 'B' else f'{b:.1f} {unit}'
        b /= 1024


def table(head, rows):
    out = ['| ' + ' | '.join(head) + ' |',
           '|' + '|'.join('---' for _ in head) + '|']
    out += ['| ' + ' | '.join(str(c) for c in r) + ' |' for r in rows]
    return '\n'.join(out)


def gnuplot(script, plotdir):
    try:
        subprocess.run(['gnuplot'], input=script, text=True, check=True,
                       cwd=plotdir, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as e:
        err = getattr(e, 'stderr', '') or str(e)
        print(f'report: gnuplot failed: {err[-500:]}', file=sys.stderr)


TERM = 'set terminal pngcairo size 900,560 noenhanced\n'


def section_pause(raw, plotdir, plotrel):
    rows = lines(raw, 'pause.txt', 'PAUSE')
    targets = lines(raw, 'pause.txt', 'TARGET')
    fails = lines(raw, 'pause.txt', 'FAILED')
    groups = {}
    for r in rows:
        groups.setdefault((int(r['size']), r['thp']), {}).setdefault(
            r['op'], []).append(r)
    out = []
    tab = []
    dat = {'0': [], '1': []}
    for (size, thp) in sorted(groups):
        g = groups[(size, thp)]
        ps = g.get('procsnap', [])
        kern = med([int(r['kernel_ns']) for r in ps])
        gap = med([int(r['gap_ns']) for r in ps])
        dele = med([int(r['delete_ns']) for r in ps])
        fork = med([int(r['fork_ns']) for r in g.get('fork', [])])
        sc = med([int(r['gap_ns']) for r in g.get('stopcopy', [])])
        noise = med([int(r['gap_ns']) for r in g.get('none', [])])
        pt = med([int(r['pagetable_bytes']) for r in ps])
        rss = next((int(t['rss_kb']) * 1024 for t in targets
                    if int(t['size']) == size and t['thp'] == thp), None)
        huge = next((int(t['anonhuge_kb']) * 1024 for t in targets
                     if int(t['size']) == size and t['thp'] == thp), None)
        tab.append([human(size), 'THP 2M' if thp == '1' else '4K',
                    ratio(kern, fork), ratio(gap, fork), ratio(sc, gap, 0),
                    us(kern), us(gap), us(fork), us(dele), us(sc), us(noise),
                    len(ps), human(rss) if rss else '-',
                    human(huge) if huge is not None else '-',
                    human(pt) if pt is not None else '-'])
        dat[thp].append((size, kern, gap, fork, sc, dele))
    out.append('## 1. Pause and deletion vs size (paper: duplication / deletion time)\n')
    out.append('The target maps and writes the whole size, then spins in a '
               'tight `clock_gettime()` loop; its largest gap during a window '
               'around the operation is its pause seen from its own side.  '
               '"kernel" is `pause_ns` from LIST (the time procsnap held the '
               'duplicating thread).  fork() is the same target forking (child '
               '_exits at once), timed in the target.  stop-and-copy is '
               '`stopcopy` (ptrace-stop every thread, read every segment '
               'through /proc/PID/mem into tmpfs, detach): Memfetch\'s method.  '
               'Deletion is the DELETE ioctl (what `snapctl delete` issues), '
               'timed around the library call; it returns once the memory is '
               'freed.  "loop noise" is the largest gap with no operation at '
               'all: the floor of the target-side measurement under TCG.  '
               'Medians over the runs.\n')
    out.append(table(['size', 'pages', 'procsnap/fork (kernel)',
                      'procsnap/fork (target gap)', 'stop-and-copy/procsnap',
                      'procsnap kernel µs', 'procsnap target gap µs',
                      'fork() µs', 'delete µs', 'stop-and-copy µs',
                      'loop noise µs', 'runs', 'resident', 'AnonHuge',
                      'snapshot page tables'], tab))
    if fails:
        out.append('\nFailed operations: ' + '; '.join(
            f"{f.get('op')} at {f.get('size')} (rc {f.get('rc')})" for f in fails))
    out.append('\nPaper (Linux 3.13, bare metal, 4 MB target): duplication '
               '17.84 µs, deletion 49.47 µs.\n')
    out.append(deletion_table(groups))
    out.append(phases_table(groups))
    # plot
    for thp in ('0', '1'):
        with open(os.path.join(plotdir, f'pause-{thp}.dat'), 'w') as f:
            for row in dat[thp]:
                f.write(' '.join('NaN' if v is None else str(v / 1000 if i else v / 2**20)
                                 for i, v in enumerate(row)) + '\n')
    gnuplot(TERM + """set output 'pause.png'
set title 'Pause vs resident size (QEMU TCG; log-log)'
set logscale xy
set xlabel 'resident MiB'
set ylabel 'µs'
set key left top
set grid
plot 'pause-0.dat' u 1:2 w lp t 'procsnap kernel 4K', \
     'pause-0.dat' u 1:3 w lp t 'procsnap target gap 4K', \
     'pause-0.dat' u 1:4 w lp t 'fork() 4K', \
     'pause-0.dat' u 1:5 w lp t 'stop-and-copy 4K', \
     'pause-0.dat' u 1:6 w lp t 'delete 4K', \
     'pause-1.dat' u 1:2 w lp dt 2 t 'procsnap kernel THP', \
     'pause-1.dat' u 1:4 w lp dt 2 t 'fork() THP', \
     'pause-1.dat' u 1:5 w lp dt 2 t 'stop-and-copy THP'
""", plotdir)
    out.append(f'![pause vs size]({plotrel}/pause.png)\n')
    return '\n'.join(out), len(tab), ['pause.png']


def deletion_table(groups):
    """Deletion against the exit of a forked child of the same target."""
    tab = []
    for (size, thp) in sorted(groups):
        g = groups[(size, thp)]
        ps = [r for r in g.get('procsnap', []) if 'delete_gap_ns' in r]
        ex = [int(r['exit_ns']) for r in g.get('fork', []) if 'exit_ns' in r]
        if not ps or not ex:
            continue
        dele = med([int(r['delete_ns']) for r in ps])
        child = med(ex)
        dgap = med([int(r['delete_gap_ns']) for r in ps])
        noise = med([int(r['gap_ns']) for r in g.get('none', [])])
        tab.append([human(size), 'THP 2M' if thp == '1' else '4K',
                    ratio(dele, child), us(dele), us(child), us(dgap),
                    us(noise), ratio(dgap, noise)])
    if not tab:
        return ''
    return ('\n### Deletion vs a child\'s exit\n\n'
            'The same target forks a child that blocks in the kernel (as a '
            'clone does), then kills it with SIGKILL and reaps it: the exit '
            'of a forked child of the same size, which is what a DELETE '
            'does to a clone.  "target gap" is the target\'s largest gap in '
            'a window around the DELETE, against its loop noise with no '
            'operation: the target is not delayed by a deletion when the '
            'two are alike.\n\n' +
            table(['size', 'pages', 'delete / child exit', 'delete µs',
                   'child exit µs', 'target gap during delete µs',
                   'loop noise µs', 'gap / noise'], tab) + '\n')


PHASES = ('quiesce_ns', 'check_ns', 'record_ns', 'files_ns', 'copy_ns',
          'detach_ns')


def phases_table(groups):
    """Where the kernel-side pause goes (LIST's phases)."""
    tab = []
    for (size, thp) in sorted(groups):
        g = groups[(size, thp)]
        ps = [r for r in g.get('procsnap', []) if 'copy_ns' in r]
        if not ps:
            continue
        m = {k: med([int(r[k]) for r in ps]) for k in PHASES}
        kern = med([int(r['kernel_ns']) for r in ps])
        fork = med([int(r['fork_ns']) for r in g.get('fork', [])])
        # Bookkeeping: what the named phases leave of each run's pause.
        rest = med([int(r['kernel_ns']) - sum(int(r[k]) for k in PHASES
                                              if k != 'files_ns')
                    for r in ps])
        tab.append([human(size), 'THP 2M' if thp == '1' else '4K', us(kern),
                    us(m['quiesce_ns']), us(m['check_ns']),
                    us(m['record_ns']), us(m['files_ns']),
                    us(m['copy_ns']), us(m['detach_ns']), us(rest),
                    us(fork),
                    us(None if kern is None or m['copy_ns'] is None
                       else kern - m['copy_ns'])])
    if not tab:
        return ''
    return ('\n### Where the pause goes\n\n'
            'The module\'s own clock around each phase of the duplication '
            '(LIST, PROCSNAP_FEAT_PHASES), medians: waiting for the other '
            'threads, checking the target can be copied, recording '
            'registers and files (of which files), the kernel\'s fork code '
            'copying the page tables ("copy", what the target\'s own fork() '
            'also pays), and the clone leaving the target\'s world '
            '(credentials, session, signals: a wake-up of the clone and a '
            'context switch back).  "fixed" is the pause less the copy: '
            'procsnap\'s cost over fork\'s, per snapshot.\n\n' +
            table(['size', 'pages', 'pause µs', 'quiesce', 'check', 'record',
                   'of which files', 'copy', 'detach', 'rest', 'fork() µs',
                   'fixed µs'], tab) + '\n')


def fit(points):
    """Least-squares slope and intercept of (x, y) points."""
    pts = [(x, y) for x, y in points if y is not None]
    if len(pts) < 2:
        return None, None
    n = len(pts)
    mx = sum(x for x, _ in pts) / n
    my = sum(y for _, y in pts) / n
    sxx = sum((x - mx) ** 2 for x, _ in pts)
    if sxx == 0:
        return None, None
    b = sum((x - mx) * (y - my) for x, y in pts) / sxx
    return b, my - b * mx


SCALE_KINDS = (('threads', 'threads (in all, asleep in the kernel)', 'thread'),
               ('files', 'extra descriptors (dup()s of one file)', 'file'),
               ('dfiles', 'extra descriptors, each of its own file '
                '(a file, dentry and inode each, as a server\'s)', 'file'),
               ('maps', 'extra one-page mappings', 'mapping'))


def scale_rows(raw):
    rows = lines(raw, 'scale.txt', 'PAUSE')
    by = {}
    for r in rows:
        kind = r.get('label')
        if kind not in ('threads', 'files', 'dfiles', 'maps'):
            continue
        by.setdefault(kind, {}).setdefault(int(r[kind]), {}).setdefault(
            r['op'], []).append(r)
    return by


def section_scale(raw, plotdir, plotrel):
    by = scale_rows(raw)
    targets = lines(raw, 'scale.txt', 'TARGET')
    out = ['## 6. Pause vs threads, descriptors and mappings\n',
           'A 4 MB target (4K pages) with more of one thing at a time; the '
           'same runs as section 1 (kernel pause from LIST, the target\'s '
           'own fork(), medians).  Each kind ends with the least-squares '
           'cost per unit of procsnap\'s pause and of fork(), and the '
           'cost per unit between successive steps: a step that grows '
           'faster than linearly shows as a per-unit cost that rises with '
           'the count.  fork() copies descriptors and mappings but not '
           'threads; procsnap records every thread.  For threads the '
           'table adds a group stop (SIGSTOP until waitpid() reports every '
           'thread stopped): the kernel\'s own cost of bringing every '
           'thread to a kernel boundary, which one instant for all threads '
           'needs and fork() does not pay; fork() + group stop is the floor '
           'procsnap is judged against there.\n']
    dat = {}
    for kind, title, unit in SCALE_KINDS:
        g = by.get(kind)
        if not g:
            continue
        tab = []
        pts_k, pts_f, pts_g = [], [], []
        prev = None
        has_gs = any(g[n].get('groupstop') for n in g)
        for n in sorted(g):
            ps = g[n].get('procsnap', [])
            gs = med([int(r['stop_ns']) for r in g[n].get('groupstop', [])
                      if 'stop_ns' in r])
            kern = med([int(r['kernel_ns']) for r in ps])
            gap = med([int(r['gap_ns']) for r in ps])
            fork = med([int(r['fork_ns']) for r in g[n].get('fork', [])])
            ph = {k: med([int(r[k]) for r in ps if k in r])
                  for k in ('quiesce_ns', 'record_ns', 'files_ns', 'copy_ns',
                            'check_ns', 'names_ns')}
            seen = next((t for t in targets if t.get('label') == kind
                         and int(t.get(kind, -1)) == n), {})
            step = '-'
            if prev and kern is not None and prev[1] is not None:
                step = f'{(kern - prev[1]) / 1000 / (n - prev[0]):.2f}'
            prev = (n, kern)
            pts_k.append((n, kern))
            pts_f.append((n, fork))
            if gs is not None:
                pts_g.append((n, gs))
            row = [n, seen.get('nr_threads', '-'), seen.get('nr_maps', '-'),
                   us(kern), us(gap), us(fork), ratio(kern, fork)]
            if has_gs:
                floor = None if gs is None or fork is None else gs + fork
                row += [us(gs), ratio(kern, floor)]
            tab.append(row + [us(ph['quiesce_ns']), us(ph['check_ns']),
                              us(ph['record_ns']), us(ph['files_ns']),
                              us(ph['copy_ns']), step,
                              us(ph['names_ns']), len(ps)])
            dat.setdefault(kind, []).append((n, kern, fork, gs))
        bk, _ = fit(pts_k)
        bf, _ = fit(pts_f)
        bg, _ = fit(pts_g) if pts_g else (None, None)
        out.append(f'\n### {title}\n')
        head = [kind, 'threads seen', 'mappings seen', 'procsnap kernel µs',
                'target gap µs', 'fork() µs', 'procsnap/fork']
        if has_gs:
            head += ['group stop µs', 'procsnap/(fork + group stop)']
        out.append(table(head + ['quiesce', 'check', 'record',
                                 'of which files', 'copy',
                                 f'µs per {unit} since the previous step',
                                 'naming the paths, after the pause µs',
                                 'runs'], tab))
        out.append(f'\nFit: procsnap {"-" if bk is None else f"{bk / 1000:.3f}"} µs '
                   f'per {unit}, fork() {"-" if bf is None else f"{bf / 1000:.3f}"} µs '
                   f'per {unit} (ratio {ratio(bk, bf)})'
                   + (f', group stop {bg / 1000:.3f} µs per {unit} (procsnap / '
                      f'group stop {ratio(bk, bg)})' if bg is not None else '')
                   + '.\n')
    if not dat:
        return '\n'.join(out + ['(not run)\n']), 0, []
    plots = []
    for kind, rows in dat.items():
        with open(os.path.join(plotdir, f'scale-{kind}.dat'), 'w') as f:
            for n, k, fk, gs in rows:
                ys = ['NaN' if v is None else str(v / 1000) for v in (k, fk, gs)]
                f.write(f'{n} {ys[0]} {ys[1]} {ys[2]}\n')
    curves = ', \\\n     '.join(
        f"'scale-{k}.dat' u 1:2 w lp t 'procsnap, {k}', "
        f"'scale-{k}.dat' u 1:3 w lp dt 2 t 'fork(), {k}'"
        + (f", 'scale-{k}.dat' u 1:4 w lp dt 3 t 'group stop, {k}'"
           if any(r[3] is not None for r in dat[k]) else '') for k in dat)
    gnuplot(TERM + f"""set output 'scale.png'
set title 'Pause vs threads, descriptors, mappings (4 MB target, QEMU TCG; log-log)'
set logscale xy
set xlabel 'count'
set ylabel 'µs'
set key left top
set grid
plot {curves}
""", plotdir)
    out.append(f'![pause vs count]({plotrel}/scale.png)\n')
    plots.append('scale.png')
    return '\n'.join(out), len(dat), plots


def section_syscall(raw):
    rows = {}
    per = {}
    for r in lines(raw, 'syscall.txt', 'SYSCALL '):
        rows.setdefault(r['label'], r)
    for r in lines(raw, 'syscall.txt', 'SYSCALLB '):
        per.setdefault(r['label'], []).append(float(r['ns']))
    for k, v in per.items():
        v.sort()
        n = len(v)
        rows[k] = dict(rows[k], median_ns=statistics.median(v),
                       p10_ns=v[n // 10], p90_ns=v[n * 9 // 10],
                       min_ns=v[0], max_ns=v[-1], batches=n)
    base = float(rows['nomodule']['median_ns']) if 'nomodule' in rows else None
    names = {'nomodule': 'module not loaded', 'idle': 'module loaded, idle',
             'pending': 'request pending on another (blocked) process'}
    paper = {'nomodule': '0.0868 µs (1.00)', 'idle': '0.0955 µs (1.10)',
             'pending': '-'}
    tab = []
    for k in ('nomodule', 'idle', 'pending'):
        if k not in rows:
            continue
        r = rows[k]
        m = float(r['median_ns'])
        tab.append([names[k], ratio(m, base, 3),
                    '-' if base is None else f'{m - base:+.1f}',
                    f"{m:.1f}", f"{float(r['p10_ns']):.1f} – {float(r['p90_ns']):.1f}",
                    f"{float(r['min_ns']):.1f} – {float(r['max_ns']):.1f}",
                    f"{r['batches']} × {r['iters']}", paper[k]])
    out = ['## 2. System-call overhead (paper Table 7)\n',
           'Raw `syscall(SYS_getpid)` in batches; per-call time of each batch; '
           'median and spread over the batches, from rounds that alternate '
           'the three conditions (rmmod / modprobe between them).  procsnap '
           'hooks no system '
           'call (a request is a task work on the target only), so the '
           'expected ratio is 1.\n',
           table(['condition', 'ratio to no module', 'Δ ns', 'median ns',
                  'p10 – p90 ns', 'min – max ns', 'batches × calls',
                  'paper (ratio)'], tab), '']
    return '\n'.join(out), len(tab), []


def parse_cyc(path):
    hist, mn, avg, mx, ovf = [], None, None, None, None
    if not os.path.exists(path):
        return None
    with open(path, errors='replace') as f:
        for x in f:
            m = re.match(r'^(\d+)\s+(\d+)\s*$', x)
            if m:
                hist.append((int(m.group(1)), int(m.group(2))))
                continue
            m = re.match(r'# (Min|Avg|Max) Latencies:\s+(\d+)', x)
            if m:
                v = int(m.group(2))
                if m.group(1) == 'Min':
                    mn = v
                elif m.group(1) == 'Avg':
                    avg = v
                else:
                    mx = v
            m = re.match(r'# Histogram Overflows:\s+(\d+)', x)
            if m:
                ovf = int(m.group(1))
    if mx is None:
        return None
    return dict(hist=hist, min=mn, avg=avg, max=mx, ovf=ovf,
                samples=sum(c for _, c in hist) + (ovf or 0))


def section_cyc(raw, plotdir, plotrel):
    ops = lines(raw, 'cyc-ops.txt', 'CYC')
    skips = []
    p = os.path.join(raw, 'cyc-skip.txt')
    if os.path.exists(p):
        with open(p) as f:
            skips = [x.strip() for x in f if x.strip()]
    res = {}
    for o in ops:
        c = parse_cyc(os.path.join(raw, o['name'] + '.txt'))
        if c:
            res[(o['policy'], o['variant'], o['case'])] = dict(c, ops=o['ops'],
                                                              opfail=o['opfail'])
    tab = []
    plots = []
    order = ['none', 'stopcopy', 'gcore', 'criu', 'procdump', 'procsnap']
    label = {'none': 'nothing', 'stopcopy': 'stop-and-copy (Memfetch method)',
             'gcore': 'gcore (gdb)', 'criu': 'criu dump --leave-running',
             'procdump': 'procdump', 'procsnap': 'procsnap (request, collect, delete)'}
    for pol in ('fifo', 'other'):
        for var in ('touched', 'untouched'):
            base = res.get((pol, var, 'none'))
            cases = [c for c in order if (pol, var, c) in res]
            if not cases:
                continue
            for c in cases:
                r = res[(pol, var, c)]
                tab.append(['SCHED_FIFO 99' if pol == 'fifo' else 'SCHED_OTHER',
                            'written' if var == 'touched' else 'untouched',
                            label[c],
                            ratio(r['max'], base['max']) if base else '-',
                            (f"{r['max'] - base['max']:+d}" if base else '-'),
                            (f"{r['avg'] - base['avg']:+d}" if base else '-'),
                            r['min'], r['avg'], r['max'], r['ovf'],
                            r['samples'], f"{r['ops']} ({r['opfail']} failed)"])
            # histogram plot: every case of this policy and variant
            name = f'cyclictest-{pol}-{var}'
            plot = []
            for c in cases:
                dat = f'{name}-{c}.dat'
                with open(os.path.join(plotdir, dat), 'w') as f:
                    for lat, cnt in res[(pol, var, c)]['hist']:
                        if cnt:
                            f.write(f'{lat} {cnt}\n')
                plot.append(f"'{dat}' u 1:2 w steps t '{label[c]}'")
            gnuplot(TERM + f"""set output '{name}.png'
set title 'cyclictest {pol.upper()} ({var} growth): latency histogram, 1 ms interval'
set logscale xy
set xlabel 'latency µs'
set ylabel 'samples'
set yrange [0.5:*]
set grid
plot {', '.join(plot)}
""", plotdir)
            plots.append(name + '.png')
    out = ['## 3. cyclictest: delay of a periodic real-time task (paper Table 8)\n',
           'Debian\'s cyclictest (rt-tests), 1 ms interval, one measuring '
           'thread pinned to CPU 1, `--laptop` (no /dev/cpu_dma_latency: an '
           'open character device that criu refuses to dump), grown by an LD_PRELOAD constructor '
           '(`bench/cyclictest/grow.so`): "written" touches every page, '
           '"untouched" is the paper\'s variant (mapped, never written).  '
           'Each case is applied to the cyclictest process repeatedly for the '
           'whole run (once a second, from CPU 0).  Latencies in µs '
           '(cyclictest -h; min/avg/max as it reports them).\n',
           table(['policy', 'growth', 'case', 'max / nothing', 'max rise µs',
                  'avg rise µs', 'min', 'avg', 'max', 'overflows (>5 ms)',
                  'samples', 'applications'], tab)]
    if skips:
        out.append('\nCases not run:\n')
        for s in skips:
            s = s.replace('case=', '').replace(' reason=', ': ', 1).rstrip()
            if s.endswith('fails in the guest:'):
                s += (' no dump written and no output within the probe\'s '
                      '45 s limit')
            out.append(f'* {s}')
    out.append('\nPaper (SCHED_FIFO 99, max µs): none 51.984, Memfetch 253.212, '
               'method 189.015 (ratios 4.87 and 3.64).\n')
    out += [f'![{p}]({plotrel}/{p})' for p in plots]
    out.append('')
    return '\n'.join(out), len(tab), plots


COLLECT_METHODS = (
    ('procsnap', 'procsnap: complete evidence (images, core, manifest, SHA-256)',
     'no (only the duplication pause)'),
    ('procsnap-nohash', 'procsnap, `--no-hash`', 'no (only the duplication pause)'),
    ('stopped', 'ptrace-stopped target, /proc/PID/mem read (stopcopy)',
     'yes, for the whole read'),
    ('sha256', 'SHA-256 of the stopped read\'s files, one thread (openssl dgst)',
     '-'),
)


def section_collect(raw, plotdir, plotrel):
    rows = lines(raw, 'collect.txt', 'COLLECT')
    tab = []
    groups = []
    for r in rows:
        g = (r['case'], r['size'], r['touch'])
        if g not in groups:
            groups.append(g)
    plot = {}
    for g in groups:
        by = {}
        for r in rows:
            if (r['case'], r['size'], r['touch']) == g and r.get('ns'):
                by.setdefault(r['method'], []).append(r)
        t_stop = med([int(r['ns']) for r in by.get('stopped', [])])
        # The memory read: what the stopped read stored (its files are
        # dense), the same bytes the snapshot holds.
        mem = med([int(r['bytes']) for r in by.get('stopped', [])])
        for m, label, stopped in COLLECT_METHODS:
            rs = by.get(m)
            if not rs:
                continue
            ns = med([int(r['ns']) for r in rs])
            b = med([int(r['bytes']) for r in rs])
            du = med([int(r['used_after_kb']) - int(r['used_before_kb'])
                      for r in rs if 'used_after_kb' in r])
            dr = med([int(r['rss_after_kb']) - int(r['rss_before_kb'])
                      for r in rs if 'rss_after_kb' in r])
            if g[0] == 'resident':
                plot.setdefault(m, []).append((size_bytes(g[1]) / 2**20, ns / 1e6))
            tab.append([f'{g[1]} mapped, {g[2]} written', label,
                        ratio(ns, t_stop), f'{ns / 1e6:.1f}',
                        f'{mem / 2**20 / (ns / 1e9):.1f}' if mem else '-',
                        human(b), '-' if du is None else f'{du:+.0f} KiB',
                        '-' if dr is None else f'{dr:+.0f} KiB', stopped,
                        len(rs)])
    plots = []
    if plot:
        names = [m for m, _, _ in COLLECT_METHODS if m in plot]
        with open(os.path.join(plotdir, 'collect.dat'), 'w') as f:
            for i, m in enumerate(names):
                for x, y in sorted(plot[m]):
                    f.write(f'{x} {y}\n')
                f.write('\n\n')
        lines_ = ', '.join(f"'collect.dat' index {i} w lp lw 2 t '{m}'"
                           for i, m in enumerate(names))
        gnuplot(TERM + f"""set output 'collect.png'
set title 'Time to collect a resident target'
set xlabel 'resident MiB'
set ylabel 'ms'
set logscale xy
set grid
set key left top
plot {lines_}
""", plotdir)
        plots.append('collect.png')
    out = ['## 4. Evidence collection\n',
           'The same ticking target (rewrites a page every ms).  Each run: '
           'request a snapshot and collect it with `snapctl collect` (the '
           'complete evidence directory: index, one image per mapping, the '
           'ELF core, manifest.json with SHA-256 of every file), again '
           'with `--no-hash`, then read the target ptrace-stopped '
           '(`stopcopy`, every readable segment through /proc/PID/mem into '
           'files, no hashes), then hash what the stopped read wrote with '
           'one `openssl dgst -sha256` (the cost of one SHA-256 pass over '
           'the bytes on one vCPU).  "time / stopped" is the goal\'s ratio; '
           '"MiB/s" is the memory (what the stopped read stored) per second. '
           ' Output to tmpfs.  Memory growth: system used memory (MemTotal '
           '− MemFree − Buffers − Cached − SReclaimable, so the tmpfs output '
           'is not counted) and, for procsnap, VmRSS of target + clone, '
           'after minus before the collection.\n',
           'The complete evidence holds every byte twice (an image and the '
           'core) and hashes it twice (each image, the core): the library '
           'reads on one thread and writes and hashes the images and the '
           'core on two more (lanes), so with two CPUs its floor is one '
           'SHA-256 pass of the bytes per CPU, the `sha256` row.\n',
           table(['target', 'method', 'time / stopped', 'time ms',
                  'memory MiB/s', 'bytes written', 'used memory growth',
                  'target+clone RSS growth', 'target stopped', 'runs'], tab),
           '']
    out += [f'![{p}]({plotrel}/{p})\n' for p in plots]
    return '\n'.join(out), len(tab), plots


def section_slow(raw, plotdir, plotrel):
    rows = lines(raw, 'slow.txt', 'SLOW')
    if not rows:
        return '## 5. Target slowdown while a snapshot is held\n\nno data\n', 0, []
    size = int(rows[0]['size'])
    by = {}
    for r in rows:
        by.setdefault(r['phase'], []).append(float(r['ms']))
    base = med([size / 2**20 / (ms / 1e3) for ms in by.get('none', [])])
    tab = []
    names = {'none': 'no snapshot', 'held': 'snapshot held',
             'deleted': 'after deletion'}
    for ph in ('none', 'held', 'deleted'):
        ms = by.get(ph, [])
        if not ms:
            continue
        thr = [size / 2**20 / (m / 1e3) for m in ms]
        tab.append([names[ph], ratio(thr[0], base), ratio(med(thr), base),
                    f'{thr[0]:.0f}', f'{med(thr):.0f}',
                    ', '.join(f'{m:.0f}' for m in ms), len(ms)])
    with open(os.path.join(plotdir, 'slowdown.dat'), 'w') as f:
        for i, r in enumerate(rows):
            f.write(f"{i} {float(r['ms'])} {['none', 'held', 'deleted'].index(r['phase'])}\n")
    gnuplot(TERM + """set output 'slowdown.png'
set title 'Pass time of a target writing its whole buffer once a second'
set xlabel 'pass'
set ylabel 'ms per pass'
set grid
set style fill solid
set boxwidth 0.8
set palette defined (0 'gray', 1 'red', 2 'blue')
unset colorbox
plot 'slowdown.dat' u 1:2:3 w boxes lc palette t 'gray: none, red: held, blue: deleted'
""", plotdir)
    out = ['## 5. Target slowdown while a snapshot is held\n',
           f'A target writes (memset) the whole of its {human(size)} '
           'buffer once a second; pass times with no snapshot, with one held '
           '(the first pass pays the copy-on-write faults: every page is '
           'copied once), and after deleting it.\n',
           table(['phase', 'first pass / none', 'median / none',
                  'first pass MiB/s', 'median MiB/s', 'pass times ms',
                  'passes'], tab),
           f'\n![slowdown]({plotrel}/slowdown.png)\n']
    return '\n'.join(out), len(tab), ['slowdown.png']


def report(a):
    raw = a.raw
    env = {}
    with open(os.path.join(raw, 'env.txt')) as f:
        for x in f:
            if '=' in x:
                k, v = x.rstrip('\n').split('=', 1)
                env[k] = v
    out_md = os.path.abspath(a.out)
    plotrel = os.path.basename(out_md)[:-3] if out_md.endswith('.md') else 'plots'
    plotdir = os.path.join(os.path.dirname(out_md), plotrel)
    os.makedirs(plotdir, exist_ok=True)
    for f in os.listdir(plotdir):
        os.unlink(os.path.join(plotdir, f))
    secs = [section_pause(raw, plotdir, plotrel), section_syscall(raw),
            section_cyc(raw, plotdir, plotrel), section_collect(raw, plotdir, plotrel),
            section_slow(raw, plotdir, plotrel),
            section_scale(raw, plotdir, plotrel)]
    # key ratios first
    key = []
    pause = lines(raw, 'pause.txt', 'PAUSE')
    sizes = sorted({int(r['size']) for r in pause})
    for s in sizes:
        for thp in ('0', '1'):
            k = med([int(r['kernel_ns']) for r in pause if int(r['size']) == s
                     and r['thp'] == thp and r['op'] == 'procsnap'])
            fk = med([int(r['fork_ns']) for r in pause if int(r['size']) == s
                      and r['thp'] == thp and r['op'] == 'fork'])
            sc = med([int(r['gap_ns']) for r in pause if int(r['size']) == s
                      and r['thp'] == thp and r['op'] == 'stopcopy'])
            dl = med([int(r['delete_ns']) for r in pause if int(r['size']) == s
                      and r['thp'] == thp and r['op'] == 'procsnap'])
            ex = med([int(r['exit_ns']) for r in pause if int(r['size']) == s
                      and r['thp'] == thp and r['op'] == 'fork' and 'exit_ns' in r])
            if k is not None:
                key.append(f"* {human(s)} {'THP' if thp == '1' else '4K'}: procsnap "
                           f"pause / fork() = {ratio(k, fk)}; stop-and-copy / "
                           f"procsnap = {ratio(sc, k, 0)}"
                           + (f"; delete / child exit = {ratio(dl, ex)}"
                              if ex is not None else ''))
    for kind, _, unit in SCALE_KINDS:
        g = scale_rows(raw).get(kind)
        if not g:
            continue
        parts = []
        for n in sorted(g):
            k = med([int(r['kernel_ns']) for r in g[n].get('procsnap', [])])
            fk = med([int(r['fork_ns']) for r in g[n].get('fork', [])])
            parts.append(f'{ratio(k, fk)} at {n}')
        key.append(f"* pause / fork() by {kind}: " + ', '.join(parts))
    sysc = {}
    for r in lines(raw, 'syscall.txt', 'SYSCALLB '):
        sysc.setdefault(r['label'], []).append(float(r['ns']))
    sysc = {k: statistics.median(v) for k, v in sysc.items()}
    if 'nomodule' in sysc:
        key.append(f"* getpid(): module idle / no module = "
                   f"{ratio(sysc.get('idle'), sysc['nomodule'], 3)}; request "
                   f"pending elsewhere / no module = "
                   f"{ratio(sysc.get('pending'), sysc['nomodule'], 3)}")
    cyc = {}
    for o in lines(raw, 'cyc-ops.txt', 'CYC'):
        c = parse_cyc(os.path.join(raw, o['name'] + '.txt'))
        if c:
            cyc[(o['policy'], o['variant'], o['case'])] = c
    for pol in ('fifo', 'other'):
        b = cyc.get((pol, 'touched', 'none'))
        if not b:
            continue
        parts = []
        for c in ('procsnap', 'stopcopy', 'gcore', 'criu', 'procdump'):
            r = cyc.get((pol, 'touched', c))
            if r:
                parts.append(f"{c} {r['max'] - b['max']:+d} µs (×{ratio(r['max'], b['max'])})")
        key.append(f"* cyclictest {pol.upper()} max-latency rise over nothing "
                   f"({b['max']} µs): " + ', '.join(parts))
    col = lines(raw, 'collect.txt', 'COLLECT')
    for size in dict.fromkeys(r['size'] for r in col if r['case'] == 'resident'):
        t = {}
        for r in col:
            if r['case'] == 'resident' and r['size'] == size and r.get('ns'):
                t.setdefault(r['method'], []).append(int(r['ns']))
        if t.get('stopped'):
            key.append(f"* collection of {size} resident, time / stopped read: "
                       f"complete evidence {ratio(med(t.get('procsnap', [])), med(t['stopped']))}, "
                       f"without hashes {ratio(med(t.get('procsnap-nohash', [])), med(t['stopped']))}, "
                       f"one SHA-256 pass {ratio(med(t.get('sha256', [])), med(t['stopped']))}")
    date = datetime.date.today().isoformat()
    if a.sections:
        made = f"`bench/run.sh --sections \"{a.sections}\"`"
    else:
        made = (f"`{'make bench-quick' if a.mode == 'quick' else ('make bench-rt' if a.flavour == 'rt' else 'make bench')}`"
                f" (bench/run.sh{' --rt' if a.flavour == 'rt' else ''}"
                f"{' --quick' if a.mode == 'quick' else ''})")
    head = [f"# procsnap benchmarks: {env.get('kernel', '?')}, {date}\n",
            f"Made by {made}; every number below "
            "was measured in this one VM run.  **Under QEMU TCG absolute "
            "times are 10–50× those of real hardware: read the ratios.**\n",
            '## Environment\n',
            table(['', ''], [
                ['host CPU', f'{a.host_cpu} ({a.host_cpus} CPUs)'],
                ['machine', f"QEMU TCG, {env.get('ncpu', '?')} vCPUs, {a.mem} MB"],
                ['guest kernel', f"{env.get('kernel', '?')} ({env.get('kversion', '')})"],
                ['preemption', env.get('preempt') or '-'],
                ['clocksource', env.get('clocksource', '?')],
                ['THP', env.get('thp') or 'not in this kernel'],
                ['collector in the cyclictest case', env.get('collector', '?')],
                ['host load', a.host_load],
                ['VM exit status', str(a.vm_rc)],
            ]), '', '## Key ratios\n', '\n'.join(key) or '(none)', '']
    body = '\n'.join(head + [s[0] for s in secs])
    with open(out_md, 'w') as f:
        f.write(body)
    print(f'report: {out_md}')
    return 0


def check(a):
    ok = bad = 0

    def res(good, what):
        nonlocal ok, bad
        print(('PASS: ' if good else 'FAIL: ') + what)
        if good:
            ok += 1
        else:
            bad += 1
    exists = os.path.exists(a.check)
    res(exists, f'report {a.check} exists')
    text = open(a.check).read() if exists else ''
    # Only the sections the run made (bench/run.sh --sections).
    names = {'## 1.': 'pause', '## 2.': 'syscall', '## 3.': 'cyclictest',
             '## 4.': 'collect', '## 5.': 'slowdown', '## 6.': 'scale'}
    ran = a.sections.split() if a.sections else list(names.values())
    for sec in [k for k, v in names.items() if v in ran]:
        part = text.split(sec, 1)[1].split('\n## ', 1)[0] if sec in text else ''
        rows = [x for x in part.splitlines()
                if x.startswith('| ') and not x.startswith('| size')
                and not x.startswith('| condition') and not x.startswith('| policy')
                and not x.startswith('| target') and not x.startswith('| phase')]
        res(len(rows) > 0, f'table {sec} has rows ({len(rows)})')
    plots = re.findall(r'!\[[^]]*\]\(([^)]+\.png)\)', text)
    base = os.path.dirname(os.path.abspath(a.check))
    res(len(plots) >= min(3, len(ran)), f'report links plots ({len(plots)})')
    for p in plots:
        f = os.path.join(base, p)
        res(os.path.exists(f) and os.path.getsize(f) > 1000, f'plot {p} exists')
    res(a.vm_rc == 0, f'VM run passed (exit {a.vm_rc})')
    print(f'bench-quick: {ok} passed, {bad} failed')
    return 1 if bad else 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--raw')
    p.add_argument('--out')
    p.add_argument('--check')
    p.add_argument('--host-cpu', default='?')
    p.add_argument('--host-cpus', default='?')
    p.add_argument('--mem', default='?')
    p.add_argument('--flavour', default='generic')
    p.add_argument('--mode', default='full')
    p.add_argument('--sections', default='')
    p.add_argument('--vm-rc', type=int, default=0)
    p.add_argument('--host-load', default='not recorded')
    a = p.parse_args()
    if a.check:
        return check(a)
    return report(a)


if __name__ == '__main__':
    sys.exit(main())
