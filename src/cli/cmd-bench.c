/*
 * cmd-bench.c - yujing bench NAME: throughput measured next to a peer
 * tool on the same machine, in the same run, reported as a ratio.
 *
 *   import   a generated CSV imported by yujing (with type inference) and by
 *            the sqlite3 shell's .import into a fresh database.
 *   profile  a generated 20-field table with nulls, duplicates and outliers
 *            profiled by yujing and by pandas (bench/profile_pandas.py, the
 *            CSV already loaded in memory).
 *   clean    the cleaning preview (clean --dry-run) on 100,000 rows x 20
 *            fields once loaded: the time the TUI waits on each change of k.
 *   mlp      training steps of the structured branch (3 sources of 16/32/8
 *            features, hidden 64, batch 256, 20 classes) on random data,
 *            and the same model and step in PyTorch (bench/mlp_torch.py),
 *            each at its best over 1 to --threads threads.
 */
#include <config.h>

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "yujing/base/i18n.h"
#include "yujing/base/progress.h"
#include "yujing/base/rng.h"
#include "yujing/data/clean.h"
#include "yujing/data/import.h"
#include "yujing/data/profile.h"
#include "yujing/model/structured.h"
#include "yujing/nn/ops.h"
#include "yujing/nn/optim.h"

/* bench-bert.c */
const char *bench_blas_origin(void);
json_t *bench_peer_json(const char *cmd);

enum { O_ROWS = 256, O_KEEP, O_THREADS, O_ROUNDS, O_STEPS, O_JSON };

static const cli_option options[] = {
	{"rows", O_ROWS, N_("N"), N_("rows to generate (default 1000000; clean: 100000)")},
	{"keep", O_KEEP, NULL, N_("keep the generated files and print where they are")},
	{"threads", O_THREADS, N_("N"), N_("mlp: yujing and PyTorch each run at every thread count from 1 to N and each one's best is kept (default 2)")},
	{"rounds", O_ROUNDS, N_("N"), N_("mlp: rounds of measurement, each timing yujing then PyTorch at every thread count (default 7)")},
	{"steps", O_STEPS, N_("N"), N_("mlp: timed training steps in each measurement (default 400)")},
	{"json", O_JSON, NULL, N_("print the figures as JSON")},
	{0},
};

typedef struct {
	const cli_command *cmd;
	long rows, threads, rounds, steps;
	int keep, json;
} bench_args;

static int on_opt(void *ctx, int key, const char *arg)
{
	bench_args *a = ctx;
	switch (key) {
	case O_ROWS:
		if (cli_parse_long(arg, &a->rows) || a->rows < 1)
			return cli_usage_error(a->cmd, _("--rows wants a positive whole number"));
		break;
	case O_KEEP:
		a->keep = 1;
		break;
	case O_THREADS:
		if (cli_parse_long(arg, &a->threads) || a->threads < 1 || a->threads > 1024)
			return cli_usage_error(a->cmd, _("--threads wants a whole number from 1 to 1024"));
		break;
	case O_ROUNDS:
		if (cli_parse_long(arg, &a->rounds) || a->rounds < 1 || a->rounds > 1000)
			return cli_usage_error(a->cmd, _("--rounds wants a whole number from 1 to 1000"));
		break;
	case O_STEPS:
		if (cli_parse_long(arg, &a->steps) || a->steps < 1 || a->steps > 1000000)
			return cli_usage_error(a->cmd, _("--steps wants a whole number from 1 to 1000000"));
		break;
	case O_JSON:
		a->json = 1;
		break;
	}
	return 0;
}

/* xorshift64*: a fixed stream so every run measures the same file. */
static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

/* A 12-column CSV with the mix of police data: keys, a label, a date-time,
 * numbers, codes, categories, a quoted free-text field. */
static int write_csv(const char *path, long rows)
{
	static const char *const cats[] = {"THEFT", "BATTERY", "ASSAULT", "NARCOTICS", "ROBBERY",
					   "BURGLARY", "FRAUD", "ARSON"};
	static const char *const places[] = {"STREET", "APARTMENT", "RESIDENCE", "SIDEWALK", "ALLEY",
					     "PARKING LOT", "SCHOOL", "STORE"};
	static const char *const words[] = {"suspect", "fled", "on", "foot", "victim", "reported",
					    "a", "stolen", "wallet", "near", "the", "station"};
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	uint64_t s = 0x9E3779B97F4A7C15ULL;
	fputs("id,case_key,category,occurred,latitude,longitude,amount,beat,district,place,arrest,"
	      "narrative\n",
	      f);
	for (long i = 0; i < rows; i++) {
		uint64_t r = rng_next(&s);
		int nw = 3 + (int)(r % 6);
		char text[256];
		size_t o = 0;
		for (int w = 0; w < nw; w++)
			o += (size_t)snprintf(text + o, sizeof text - o, "%s%s", w ? " " : "",
					      words[rng_next(&s) % 12]);
		fprintf(f, "%ld,C%07ld,%s,2018-%02d-%02dT%02d:%02d:00,%.6f,%.6f,%.2f,%04d,%03d,%s,%s,\"%s, "
			   "\"\"quoted\"\"\"\n",
			i + 1, (long)(r % (uint64_t)(rows / 2 + 1)), cats[r % 8], 1 + (int)(r >> 8) % 12,
			1 + (int)(r >> 12) % 28, (int)(r >> 16) % 24, (int)(r >> 20) % 60,
			41.7 + (double)(r >> 24 & 0xffff) / 1e6, -87.6 - (double)(r >> 40 & 0xffff) / 1e6,
			(double)(r >> 30 & 0xfffff) / 100.0, 100 + (int)(r >> 33) % 900, 1 + (int)(r >> 43) % 25,
			places[(r >> 50) % 8], (r >> 60) & 1 ? "true" : "false", text);
	}
	return fclose(f);
}

/* Run the sqlite3 shell's .import; returns seconds, or -1. */
static double time_sqlite3(const char *db, const char *csv)
{
	const char *bin = getenv("SQLITE3");
	if (!bin || !*bin)
		bin = "sqlite3";
	char cmd[8400];
	snprintf(cmd, sizeof cmd, ".import --csv %s t", csv);
	double t0 = progress_now();
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		execlp(bin, bin, db, cmd, (char *)NULL);
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -1;
	return progress_now() - t0;
}

/* A fresh directory under $TMPDIR (or /tmp) in buf. */
static int make_tmpdir(char *buf, size_t n)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(buf, n, "%s/yujing-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(buf)) {
		perror("mkdtemp");
		return -1;
	}
	return 0;
}

/* Remove the files a benchmark left in dir, then dir. */
static void remove_tmpdir(const char *dir, const char *const *names)
{
	char path[4300];
	for (size_t i = 0; names[i]; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		remove(path);
	}
	rmdir(dir);
}

static int bench_import(bench_args *a)
{
	char dirbuf[4096];
	if (make_tmpdir(dirbuf, sizeof dirbuf))
		return 1;
	char csv[4200], proj[4200], peer[4200];
	snprintf(csv, sizeof csv, "%s/bench.csv", dirbuf);
	snprintf(proj, sizeof proj, "%s/bench.yj", dirbuf);
	snprintf(peer, sizeof peer, "%s/peer.db", dirbuf);
	if (!a->json)
		fprintf(stderr, _("generating %ld rows x 12 fields in %s ...\n"), a->rows, csv);
	if (write_csv(csv, a->rows)) {
		fprintf(stderr, "%s: %s: %s\n", PACKAGE, csv, strerror(errno));
		return 1;
	}
	struct stat sb;
	stat(csv, &sb);

	yj_error err;
	error_clear(&err);
	yj_project *p;
	if (project_create(proj, &p, &err))
		return cli_fail(&err);
	yj_import_opts o = {.source = "bench", .key = "case_key", .label = "category"};
	const char *text[] = {"narrative"};
	o.text = text;
	o.ntext = 1;
	yj_import_result res;
	double t0 = progress_now();
	yj_status st = import_file(p, csv, &o, &res, &err);
	double t_yj = progress_now() - t0;
	project_close(p);
	if (st)
		return cli_fail(&err);

	double t_sq = time_sqlite3(peer, csv);
	double mb = (double)sb.st_size / 1e6;
	double r_yj = (double)res.rows / t_yj, r_sq = t_sq > 0 ? (double)a->rows / t_sq : 0;
	if (a->json) {
		json_t *o2 = json_pack("{s:s, s:I, s:f, s:f, s:f}", "bench", "import", "rows",
				       (json_int_t)res.rows, "file_mb", mb, "yujing_seconds", t_yj,
				       "yujing_rows_per_s", r_yj);
		if (t_sq > 0) {
			json_object_set_new(o2, "sqlite3_seconds", json_real(t_sq));
			json_object_set_new(o2, "sqlite3_rows_per_s", json_real(r_sq));
			json_object_set_new(o2, "time_ratio", json_real(t_yj / t_sq));
		} else {
			json_object_set_new(o2, "sqlite3_seconds", json_null());
		}
		cli_print_json(o2);
	} else {
		printf(_("import benchmark: %lld rows, 12 fields, %.1f MB\n"), res.rows, mb);
		printf(_("  yujing import (with type inference): %8.2f s  %10.0f rows/s\n"), t_yj, r_yj);
		if (t_sq > 0) {
			printf(_("  sqlite3 .import (text only):         %8.2f s  %10.0f rows/s\n"), t_sq, r_sq);
			printf(_("  time ratio yujing/sqlite3: %.2f (aim: at most 1.5)\n"), t_yj / t_sq);
		} else {
			printf(_("  sqlite3 shell not found or failed: no peer figure (install the Debian package sqlite3)\n"));
		}
	}
	static const char *const names[] = {"bench.csv", "bench.yj", "bench.yj-wal", "bench.yj-shm",
					    "peer.db", NULL};
	if (a->keep)
		fprintf(stderr, _("files kept in %s\n"), dirbuf);
	else
		remove_tmpdir(dirbuf, names);
	return 0;
}

/* 20 fields: keys, a label, a date-time, 8 numbers (5% empty, 0.5% far
 * out), 6 categories (3% "NA"), 2 free texts; every 50th row repeats the
 * one before it exactly. */
static int write_quality_csv(const char *path, long rows)
{
	static const char *const words[] = {"嫌疑人", "被害人", "suspect", "fled", "victim", "报案",
					    "stolen", "wallet", "near", "station", "在", "盗窃"};
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	uint64_t s = 0x2545F4914F6CDD1DULL;
	fputs("id,case_key,category,occurred", f);
	for (int i = 1; i <= 8; i++)
		fprintf(f, ",n%d", i);
	for (int i = 1; i <= 6; i++)
		fprintf(f, ",c%d", i);
	fputs(",t1,t2\n", f);
	char line[2048], prev[2048] = "";
	for (long r = 0; r < rows; r++) {
		if (r % 50 == 49 && prev[0]) {
			fputs(prev, f);
			continue;
		}
		uint64_t x = rng_next(&s);
		size_t o = (size_t)snprintf(line, sizeof line, "%ld,K%ld,cat%02d,2018-%02d-%02d %02d:%02d:00",
					    r + 1, (long)(x % (uint64_t)(rows / 3 + 1)), (int)(x >> 20) % 20,
					    1 + (int)(x >> 8) % 12, 1 + (int)(x >> 12) % 28,
					    (int)(x >> 16) % 24, (int)(x >> 24) % 60);
		for (int i = 0; i < 8; i++) {
			uint64_t y = rng_next(&s);
			if (y % 20 == 0)
				o += (size_t)snprintf(line + o, sizeof line - o, ",");
			else
				o += (size_t)snprintf(line + o, sizeof line - o, ",%.3f",
						      (double)(y >> 40) / 1e4 * (y % 200 == 1 ? 50 : 1));
		}
		for (int i = 0; i < 6; i++) {
			uint64_t y = rng_next(&s);
			if (y % 33 == 0)
				o += (size_t)snprintf(line + o, sizeof line - o, ",NA");
			else
				o += (size_t)snprintf(line + o, sizeof line - o, ",v%d", (int)(y >> 50) % (5 + 7 * i));
		}
		for (int i = 0; i < 2; i++) {
			o += (size_t)snprintf(line + o, sizeof line - o, ",");
			int nw = 4 + (int)(rng_next(&s) % 12);
			for (int w = 0; w < nw; w++)
				o += (size_t)snprintf(line + o, sizeof line - o, "%s%s", w ? " " : "",
						      words[rng_next(&s) % 12]);
		}
		o += (size_t)snprintf(line + o, sizeof line - o, "\n");
		fputs(line, f);
		memcpy(prev, line, o + 1);
	}
	return fclose(f);
}

/* Import the quality CSV into a new project and load it as a table. */
static int load_quality(const char *dir, long rows, int quiet, yj_project **p, yj_table *t,
			double *t_import, double *t_load)
{
	char csv[4200], proj[4200];
	snprintf(csv, sizeof csv, "%s/bench.csv", dir);
	snprintf(proj, sizeof proj, "%s/bench.yj", dir);
	if (!quiet)
		fprintf(stderr, _("generating %ld rows x 20 fields in %s ...\n"), rows, csv);
	if (write_quality_csv(csv, rows)) {
		fprintf(stderr, "%s: %s: %s\n", PACKAGE, csv, strerror(errno));
		return 1;
	}
	yj_error err;
	error_clear(&err);
	if (project_create(proj, p, &err))
		return cli_fail(&err);
	yj_import_opts o = {.source = "bench", .key = "case_key", .label = "category"};
	const char *text[] = {"t1", "t2"};
	o.text = text;
	o.ntext = 2;
	double t0 = progress_now();
	if (import_file(*p, csv, &o, NULL, &err))
		return cli_fail(&err);
	*t_import = progress_now() - t0;
	yj_nullset ns;
	if (table_nullset(*p, &ns, &err))
		return cli_fail(&err);
	t0 = progress_now();
	yj_status st = table_load(*p, "bench", &ns, NULL, t, &err);
	*t_load = progress_now() - t0;
	nullset_free(&ns);
	if (st)
		return cli_fail(&err);
	return 0;
}

static const char *const quality_files[] = {"bench.csv", "bench.yj", "bench.yj-wal", "bench.yj-shm",
					    NULL};

static int bench_profile(bench_args *a)
{
	char dir[4096];
	if (make_tmpdir(dir, sizeof dir))
		return 1;
	yj_project *p = NULL;
	yj_table t;
	double t_import, t_load;
	int rc = load_quality(dir, a->rows, a->json, &p, &t, &t_import, &t_load);
	if (rc) {
		project_close(p);
		return rc;
	}
	yj_profile_opts po = {.sigma = 3};
	double t0 = progress_now();
	json_t *prof = profile_table(&t, &po);
	double t_prof = progress_now() - t0;
	json_decref(prof);
	table_free(&t);
	project_close(p);

	/* The peer: pandas on the same CSV. */
	char cmd[9000];
	snprintf(cmd, sizeof cmd,
		 "/usr/bin/python3 '%s/profile_pandas.py' '%s/bench.csv' n1,n2,n3,n4,n5,n6,n7,n8 t1,t2",
		 cli_bench_dir(), dir);
	double pd_load = -1, pd_compute = -1;
	json_t *pj = bench_peer_json(cmd);
	if (pj) {
		pd_load = json_number_value(json_object_get(pj, "load_seconds"));
		pd_compute = json_number_value(json_object_get(pj, "compute_seconds"));
		json_decref(pj);
	}
	if (a->json) {
		json_t *o = json_pack("{s:s, s:I, s:f, s:f, s:f}", "bench", "profile", "rows",
				      (json_int_t)a->rows, "yujing_import_seconds", t_import,
				      "yujing_load_seconds", t_load, "yujing_profile_seconds", t_prof);
		json_object_set_new(o, "pandas_load_seconds", pd_load >= 0 ? json_real(pd_load) : json_null());
		json_object_set_new(o, "pandas_profile_seconds",
				    pd_compute >= 0 ? json_real(pd_compute) : json_null());
		json_object_set_new(o, "speedup", pd_compute >= 0 ? json_real(pd_compute / t_prof) : json_null());
		cli_print_json(o);
	} else {
		printf(_("profile benchmark: %ld rows x 20 fields\n"), a->rows);
		printf(_("  yujing: import %.2f s, load %.2f s, profile %.3f s\n"), t_import, t_load, t_prof);
		if (pd_compute >= 0) {
			printf(_("  pandas: read_csv %.2f s, profile %.3f s\n"), pd_load, pd_compute);
			printf(_("  speed-up of the profile over pandas: %.1fx (aim: at least 3x); with loading: %.1fx\n"),
			       pd_compute / t_prof, pd_compute / (t_prof + t_load));
		} else {
			printf(_("  pandas peer failed (needs /usr/bin/python3 with python3-pandas and %s)\n"),
			       cli_bench_dir());
		}
	}
	if (a->keep)
		fprintf(stderr, _("files kept in %s\n"), dir);
	else
		remove_tmpdir(dir, quality_files);
	return 0;
}

static int bench_clean(bench_args *a)
{
	char dir[4096];
	if (make_tmpdir(dir, sizeof dir))
		return 1;
	yj_project *p = NULL;
	yj_table t;
	double t_import, t_load;
	int rc = load_quality(dir, a->rows, a->json, &p, &t, &t_import, &t_load);
	if (rc) {
		project_close(p);
		return rc;
	}
	yj_clean_opts o;
	clean_opts_default(&o);
	const int reps = 5;
	double best = 1e9;
	long long out = 0;
	for (int i = 0; i < reps; i++) {
		yj_clean_result r;
		double t0 = progress_now();
		if (clean_table(&t, &o, 1, NULL, NULL, &r)) {
			fprintf(stderr, "%s: %s\n", PACKAGE, _("out of memory"));
			rc = 1;
			break;
		}
		json_decref(clean_report(&r));
		double dt = progress_now() - t0;
		out = r.rows_out;
		clean_result_free(&r);
		if (dt < best)
			best = dt;
	}
	table_free(&t);
	project_close(p);
	if (!rc) {
		if (a->json)
			cli_print_json(json_pack("{s:s, s:I, s:I, s:f, s:f}", "bench", "clean", "rows",
						 (json_int_t)a->rows, "rows_out", (json_int_t)out,
						 "load_seconds", t_load, "dry_run_seconds", best));
		else
			printf(_("clean preview benchmark: %ld rows x 20 fields, %lld rows left\n"
				 "  load %.3f s (once); dry run %.1f ms (best of %d; aim: under 200 ms)\n"),
			       a->rows, out, t_load, best * 1e3, reps);
	}
	if (a->keep)
		fprintf(stderr, _("files kept in %s\n"), dir);
	else
		remove_tmpdir(dir, quality_files);
	return rc;
}

/* The mlp benchmark: the model and sizes of the issue, and the defaults of
 * the measurement (the peer, bench/mlp_torch.py, is told them). */
enum { MLP_SRC = 3, MLP_HIDDEN = 64, MLP_CLASSES = 20, MLP_BATCH = 256, MLP_POOL = 64,
       MLP_WARMUP = 50, MLP_BLOCK_WARM = 5, MLP_STEPS = 400, MLP_ROUNDS = 7 };

/* One training step exactly as train_run takes it, on batch i of the pool
 * (consecutive rows, read in place).  Returns the loss. */
static float mlp_bench_step(yj_mlp *m, yj_adamw *opt, float *const *pool, const int32_t *labels,
			    long long i, long long warm, long long total)
{
	const float *xb[MLP_SRC];
	size_t first = (size_t)(i % MLP_POOL) * MLP_BATCH;
	for (int s = 0; s < MLP_SRC; s++)
		xb[s] = pool[s] + first * (size_t)m->cfg.in_dim[s];
	const int32_t *yb = labels + first;
	mlp_forward(m, xb, MLP_BATCH, 1);
	float loss = mlp_loss(m, yb, NULL, MLP_BATCH);
	params_zero_grad(&m->ps);
	mlp_backward(m, xb, yb, NULL, MLP_BATCH);
	clip_grad_norm(&m->ps, 1.0f);
	adamw_step(opt, &m->ps, lr_schedule(i, warm, total, 1e-3f));
	return loss;
}


/* The one-minute load average, -1 where there is none: printed with each
 * figure, as the machine may be shared. */
static double load_now(void)
{
	double v;
	return getloadavg(&v, 1) == 1 ? v : -1;
}

/* yujing's side: one model (seed 42) and AdamW trained on through every
 * measurement (a step's bits do not depend on the thread count). */
typedef struct {
	yj_mlp m;
	yj_adamw opt;
	float *const *pool;
	const int32_t *labels;
	long long i, warm, total; /* steps taken, and the schedule's */
	float loss;		  /* of the last step */
} mlp_side_yj;

/* `warm` untimed steps, then `steps` timed ones, at `threads` threads:
 * the seconds of the timed ones. */
static double mlp_yj_block(mlp_side_yj *y, int threads, int warm, int steps)
{
	nn_set_threads(threads);
	for (int k = 0; k < warm; k++, y->i++)
		y->loss = mlp_bench_step(&y->m, &y->opt, y->pool, y->labels, y->i, y->warm, y->total);
	double t0 = progress_now();
	for (int k = 0; k < steps; k++, y->i++)
		y->loss = mlp_bench_step(&y->m, &y->opt, y->pool, y->labels, y->i, y->warm, y->total);
	return progress_now() - t0;
}

/* The peer: bench/mlp_torch.py --serve, a child process that builds the
 * same model, takes its warm-up, says it is ready (one JSON line), then
 * for each line "run THREADS WARM STEPS" on its standard input takes WARM
 * untimed and STEPS timed steps and answers {"seconds": ...}.  It waits
 * on its input (idle, its OpenMP threads asleep) while yujing measures. */
typedef struct {
	pid_t pid;
	FILE *to, *from;
	char kernel[64];
} mlp_peer;

static json_t *peer_line(mlp_peer *p)
{
	char line[4096];
	if (!p->from || !fgets(line, sizeof line, p->from))
		return NULL;
	return json_loads(line, 0, NULL);
}

static void peer_stop(mlp_peer *p)
{
	if (p->to)
		fclose(p->to); /* end of input: the peer exits */
	if (p->from)
		fclose(p->from);
	if (p->pid > 0)
		while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR)
			;
	p->to = p->from = NULL;
	p->pid = -1;
}

/* Start the peer (cmd: a shell command line) and read its ready line;
 * -1 when it cannot start or is not ready. */
static int peer_start(mlp_peer *p, const char *cmd)
{
	int in[2], out[2];
	memset(p, 0, sizeof *p);
	p->pid = -1;
	if (pipe(in))
		return -1;
	if (pipe(out)) {
		close(in[0]);
		close(in[1]);
		return -1;
	}
	pid_t pid = fork();
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	if (pid < 0) {
		close(in[1]);
		close(out[0]);
		return -1;
	}
	p->pid = pid;
	p->to = fdopen(in[1], "w");
	p->from = fdopen(out[0], "r");
	if (!p->to || !p->from) {
		if (!p->to)
			close(in[1]);
		if (!p->from)
			close(out[0]);
		peer_stop(p);
		return -1;
	}
	json_t *hello = peer_line(p);
	if (!json_is_true(json_object_get(hello, "ready"))) {
		json_decref(hello);
		peer_stop(p);
		return -1;
	}
	const char *k = json_string_value(json_object_get(hello, "blas_kernel"));
	snprintf(p->kernel, sizeof p->kernel, "%s", k ? k : "");
	json_decref(hello);
	return 0;
}

/* The peer's seconds for `steps` timed steps, or -1 (then it is stopped). */
static double peer_block(mlp_peer *p, int threads, int warm, int steps)
{
	if (!p->to)
		return -1;
	double s = -1;
	if (fprintf(p->to, "run %d %d %d\n", threads, warm, steps) > 0 && fflush(p->to) == 0) {
		json_t *r = peer_line(p);
		json_t *v = json_object_get(r, "seconds");
		s = json_is_number(v) ? json_number_value(v) : -1;
		json_decref(r);
	}
	if (!(s > 0))
		peer_stop(p), s = -1;
	return s;
}

/* One side's figures: rate[r * nt + t] samples/s in round r at t + 1
 * threads.  Per round its best thread count; over the rounds the best,
 * the median and the worst of those, and the thread count of the best. */
typedef struct {
	double best, median, worst;
	long threads;
	double *round; /* (rounds) */
} mlp_stats;

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The median of n values (the mean of the middle two when n is even);
 * tmp holds n doubles. */
static double median_of(const double *v, int n, double *tmp)
{
	memcpy(tmp, v, (size_t)n * sizeof *tmp);
	qsort(tmp, (size_t)n, sizeof *tmp, cmp_double);
	return n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2;
}

static void mlp_summarise(mlp_stats *st, const double *rate, int rounds, int nt, double *tmp)
{
	st->best = -1;
	st->worst = 1e300;
	for (int r = 0; r < rounds; r++) {
		double rb = -1;
		for (int t = 0; t < nt; t++) {
			double v = rate[r * nt + t];
			if (v > rb)
				rb = v;
			if (v > st->best)
				st->best = v, st->threads = t + 1;
		}
		st->round[r] = rb;
		if (rb < st->worst)
			st->worst = rb;
	}
	st->median = median_of(st->round, rounds, tmp);
}

static json_t *mlp_stats_json(const mlp_stats *st, int rounds)
{
	json_t *per = json_array();
	for (int r = 0; r < rounds; r++)
		json_array_append_new(per, json_real(st->round[r]));
	return json_pack("{s:f, s:f, s:f, s:I, s:o}", "best", st->best, "median", st->median, "worst",
			 st->worst, "threads", (json_int_t)st->threads, "per_round", per);
}

static int bench_mlp(bench_args *a)
{
	static const int in_dims[MLP_SRC] = {16, 32, 8};
	const size_t n = (size_t)MLP_BATCH * MLP_POOL;
	const int nt = (int)a->threads, rounds = (int)a->rounds, steps = (int)a->steps;
	yj_mlp_cfg cfg = {.nsrc = MLP_SRC, .hidden = MLP_HIDDEN, .depth = 1, .proj = MLP_HIDDEN,
			  .nclasses = MLP_CLASSES};
	float *pool[MLP_SRC] = {0};
	int32_t *labels = malloc(n * sizeof *labels);
	double *yr = calloc((size_t)rounds * nt, sizeof *yr), *pr = calloc((size_t)rounds * nt, sizeof *pr);
	double *buf = calloc((size_t)rounds * 4, sizeof *buf);
	mlp_side_yj y;
	memset(&y, 0, sizeof y); /* mlp_free is then safe whatever fails */
	mlp_peer peer = {.pid = -1};
	int rc = 1;
	for (int s = 0; s < MLP_SRC; s++) {
		cfg.in_dim[s] = in_dims[s];
		pool[s] = malloc(n * (size_t)in_dims[s] * sizeof(float));
	}
	if (!labels || !pool[0] || !pool[1] || !pool[2] || !yr || !pr || !buf ||
	    mlp_init(&y.m, &cfg, 42) || mlp_reserve(&y.m, MLP_BATCH)) {
		fprintf(stderr, "%s: %s\n", PACKAGE, _("out of memory"));
		goto out;
	}

	/* Random inputs of unit variance, U(-sqrt 3, sqrt 3), and labels. */
	yj_rng rng;
	rng_seed(&rng, 42);
	for (int s = 0; s < MLP_SRC; s++)
		for (size_t j = 0; j < n * (size_t)in_dims[s]; j++)
			pool[s][j] = (float)((2 * rng_uniform(&rng) - 1) * 1.7320508075688772);
	for (size_t j = 0; j < n; j++)
		labels[j] = (int32_t)rng_below(&rng, MLP_CLASSES);

	/* The peer first (it imports torch and warms up before it is ready),
	 * so that its start-up overlaps nothing we time. */
	char cmd[4400];
	snprintf(cmd, sizeof cmd,
		 "OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 '%s/mlp_torch.py' --serve --threads 1 --batch %d "
		 "--hidden %d --classes %d --pool %d --warmup %d",
		 cli_bench_dir(), MLP_BATCH, MLP_HIDDEN, MLP_CLASSES, MLP_POOL, MLP_WARMUP);
	void (*old_pipe)(int) = signal(SIGPIPE, SIG_IGN); /* a dead peer is an error, not a signal */
	int have_peer = peer_start(&peer, cmd) == 0;

	adamw_init(&y.opt);
	y.opt.weight_decay = 0.01f;
	y.pool = pool;
	y.labels = labels;
	y.total = MLP_WARMUP + (long long)rounds * nt * (MLP_BLOCK_WARM + steps);
	y.warm = y.total / 20;
	mlp_yj_block(&y, 1, MLP_WARMUP, 0);

	/* Rounds: in each, yujing then the peer at every thread count, so a
	 * change of load in the machine falls on both alike. */
	double load0 = load_now();
	for (int r = 0; r < rounds; r++)
		for (int t = 1; t <= nt; t++) {
			double sy = mlp_yj_block(&y, t, MLP_BLOCK_WARM, steps);
			yr[r * nt + t - 1] = (double)steps * MLP_BATCH / sy;
			if (have_peer) {
				double sp = peer_block(&peer, t, MLP_BLOCK_WARM, steps);
				if (sp < 0)
					have_peer = 0;
				else
					pr[r * nt + t - 1] = (double)steps * MLP_BATCH / sp;
			}
		}
	double load1 = load_now();
	peer_stop(&peer);
	signal(SIGPIPE, old_pipe);

	mlp_stats ys = {.round = buf}, ps = {.round = buf + rounds};
	double *ratio = buf + 2 * rounds, *tmp = buf + 3 * rounds;
	mlp_summarise(&ys, yr, rounds, nt, tmp);
	double rmin = 0, rmed = 0, rmax = 0;
	if (have_peer) {
		mlp_summarise(&ps, pr, rounds, nt, tmp);
		for (int r = 0; r < rounds; r++)
			ratio[r] = ys.round[r] / ps.round[r];
		rmed = median_of(ratio, rounds, tmp);
		rmin = tmp[0], rmax = tmp[rounds - 1]; /* tmp: the ratios sorted */
	}
	if (a->json) {
		json_t *o = json_pack("{s:s, s:i, s:i, s:i, s:i, s:f, s:f, s:s}", "bench", "mlp", "threads", nt,
				      "batch", MLP_BATCH, "rounds", rounds, "steps", steps,
				      "yujing_samples_per_s", ys.best, "yujing_loss", (double)y.loss,
				      "blas_kernel", nn_blas_corename());
		json_object_set_new(o, "statistic", json_string("best"));
		json_object_set_new(o, "yujing", mlp_stats_json(&ys, rounds));
		json_object_set_new(o, "yujing_threads", json_integer(ys.threads));
		if (have_peer) {
			json_t *per = json_array();
			for (int r = 0; r < rounds; r++)
				json_array_append_new(per, json_real(ratio[r]));
			json_object_set_new(o, "torch", mlp_stats_json(&ps, rounds));
			json_object_set_new(o, "torch_samples_per_s", json_real(ps.best));
			json_object_set_new(o, "torch_threads", json_integer(ps.threads));
			json_object_set_new(o, "ratio", json_real(ys.best / ps.best));
			json_object_set_new(o, "ratio_per_round",
					    json_pack("{s:f, s:f, s:f, s:o}", "min", rmin, "median", rmed, "max",
						      rmax, "per_round", per));
		} else {
			json_object_set_new(o, "torch", json_null());
			json_object_set_new(o, "torch_samples_per_s", json_null());
			json_object_set_new(o, "torch_threads", json_null());
			json_object_set_new(o, "ratio", json_null());
			json_object_set_new(o, "ratio_per_round", json_null());
		}
		json_object_set_new(o, "torch_blas_kernel", peer.kernel[0] ? json_string(peer.kernel) : json_null());
		json_object_set_new(o, "yujing_load", json_real(load0));
		json_object_set_new(o, "torch_load", json_real(load0));
		json_object_set_new(o, "load_end", json_real(load1));
		cli_print_json(o);
	} else {
		printf(_("mlp training benchmark: 3 sources of 16/32/8 features, hidden %d, batch %d, "
			 "%d classes, 1 to %d threads\n"),
		       MLP_HIDDEN, MLP_BATCH, MLP_CLASSES, nt);
		printf(_("  OpenBLAS kernel: %s (%s); the peer's: %s\n"), nn_blas_corename(), bench_blas_origin(),
		       peer.kernel[0] ? peer.kernel : _("unknown (not OpenBLAS?)"));
		printf(_("  %d rounds, each timing yujing then PyTorch at every thread count (%d steps after %d "
			 "untimed); each side's best round and thread count, then the median and worst "
			 "round (each at its best thread count)\n"),
		       rounds, steps, MLP_BLOCK_WARM);
		printf(_("  yujing:  %10.0f samples/s  %7.3f ms a step (best, at %ld threads; median %.0f, worst "
			 "%.0f; loss %.3f)\n"),
		       ys.best, 1e3 * MLP_BATCH / ys.best, ys.threads, ys.median, ys.worst, (double)y.loss);
		if (have_peer) {
			printf(_("  PyTorch: %10.0f samples/s  %7.3f ms a step (best, at %ld threads; median %.0f, "
				 "worst %.0f)\n"),
			       ps.best, 1e3 * MLP_BATCH / ps.best, ps.threads, ps.median, ps.worst);
			printf(_("  speed-up over PyTorch: %.2fx best over best (aim: at least 5x); round by round "
				 "min %.2fx, median %.2fx, max %.2fx\n"),
			       ys.best / ps.best, rmin, rmed, rmax);
		} else {
			printf(_("  PyTorch peer failed (needs /usr/bin/python3 with python3-torch and %s)\n"),
			       cli_bench_dir());
		}
		printf(_("  load %.2f at the start, %.2f at the end\n"), load0, load1);
	}
	rc = 0;
out:
	peer_stop(&peer);
	mlp_free(&y.m);
	for (int s = 0; s < MLP_SRC; s++)
		free(pool[s]);
	free(labels);
	free(yr);
	free(pr);
	free(buf);
	return rc;
}

/* bench bert has options of its own (src/cli/bench-bert.c). */
int bench_bert_main(int argc, char **argv);

static int run(const cli_command *cmd, int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "bert"))
		return bench_bert_main(argc - 1, argv + 1);
	bench_args a = {.cmd = cmd, .rows = 0, .threads = 2, .rounds = MLP_ROUNDS, .steps = MLP_STEPS};
	int i = cli_parse(cmd, argc, argv, on_opt, &a);
	if (i < 0)
		return -i - 1;
	if (argc - i != 1)
		return cli_usage_error(cmd, _("expected one benchmark name: import, profile, clean, mlp or bert"));
	if (!strcmp(argv[i], "import") || !strcmp(argv[i], "profile")) {
		if (!a.rows)
			a.rows = 1000000;
		return argv[i][0] == 'i' ? bench_import(&a) : bench_profile(&a);
	}
	if (!strcmp(argv[i], "clean")) {
		if (!a.rows)
			a.rows = 100000;
		return bench_clean(&a);
	}
	if (!strcmp(argv[i], "mlp"))
		return bench_mlp(&a);
	return cli_usage_error(cmd, _("unknown benchmark '%s' (available: import, profile, clean, mlp, bert)"), argv[i]);
}

const cli_command cmd_bench = {
	.name = "bench",
	.synopsis = N_("NAME [OPTIONS]"),
	.summary = N_("Measure throughput next to a peer tool on this machine"),
	.description = N_("import: a generated CSV (1,000,000 rows x 12 fields by default) imported by "
			  "yujing and by the sqlite3 shell's .import into a fresh database; the ratio "
			  "of the two times is printed. profile: a generated 1,000,000 x 20 table "
			  "profiled by yujing and by pandas (Debian's python3-pandas) on the same data. "
			  "clean: the cleaning preview on 100,000 x 20 once loaded. mlp: training steps of the "
			  "structured branch (3 sources of 16/32/8 features, hidden 64, batch 256, 20 classes) "
			  "on random data, and the same model and step in PyTorch (Debian's python3-torch), "
			  "each at its best over 1 to --threads threads, measured in --rounds rounds that "
			  "time yujing then PyTorch in turn; each side's best, median and worst round are "
			  "printed, and the ratio of the bests with its spread round by round."),
	.options = options,
	.run = run,
};
