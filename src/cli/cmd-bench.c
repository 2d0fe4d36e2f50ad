/*
 * cmd-bench.c - yujing bench NAME: throughput measured next to a peer
 * tool on the same machine, in the same run, reported as a ratio.
 *
 *   import  a generated CSV imported by yujing (with type inference) and by
 *           the sqlite3 shell's .import into a fresh database.
 */
#include <config.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "yujing/base/i18n.h"
#include "yujing/data/import.h"

enum { O_ROWS = 256, O_KEEP, O_JSON };

static const cli_option options[] = {
	{"rows", O_ROWS, N_("N"), N_("rows to generate (default 1000000)")},
	{"keep", O_KEEP, NULL, N_("keep the generated files and print where they are")},
	{"json", O_JSON, NULL, N_("print the figures as JSON")},
	{0},
};

typedef struct {
	const cli_command *cmd;
	long rows;
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

static int bench_import(bench_args *a)
{
	char dir[] = "/tmp/yujing-bench-XXXXXX";
	const char *tmp = getenv("TMPDIR");
	char dirbuf[4096];
	if (tmp && *tmp) {
		snprintf(dirbuf, sizeof dirbuf, "%s/yujing-bench-XXXXXX", tmp);
		if (!mkdtemp(dirbuf))
			return perror("mkdtemp"), 1;
	} else {
		if (!mkdtemp(dir))
			return perror("mkdtemp"), 1;
		snprintf(dirbuf, sizeof dirbuf, "%s", dir);
	}
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
	if (a->keep) {
		fprintf(stderr, _("files kept in %s\n"), dirbuf);
	} else {
		remove(csv);
		remove(proj);
		remove(peer);
		char side[4300];
		snprintf(side, sizeof side, "%s-wal", proj);
		remove(side);
		snprintf(side, sizeof side, "%s-shm", proj);
		remove(side);
		rmdir(dirbuf);
	}
	return 0;
}

static int run(const cli_command *cmd, int argc, char **argv)
{
	bench_args a = {.cmd = cmd, .rows = 1000000};
	int i = cli_parse(cmd, argc, argv, on_opt, &a);
	if (i < 0)
		return -i - 1;
	if (argc - i != 1)
		return cli_usage_error(cmd, _("expected one benchmark name: import"));
	if (!strcmp(argv[i], "import"))
		return bench_import(&a);
	return cli_usage_error(cmd, _("unknown benchmark '%s' (available: import)"), argv[i]);
}

const cli_command cmd_bench = {
	.name = "bench",
	.synopsis = N_("NAME [OPTIONS]"),
	.summary = N_("Measure throughput next to a peer tool on this machine"),
	.description = N_("import: a generated CSV (1,000,000 rows x 12 fields by default) imported by "
			  "yujing and by the sqlite3 shell's .import into a fresh database; the ratio "
			  "of the two times is printed."),
	.options = options,
	.run = run,
};
