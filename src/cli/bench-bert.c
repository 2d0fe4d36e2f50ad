/*
 * bench-bert.c - yujing bench bert: throughput of the BERT encoder next to
 * PyTorch on this machine.
 *
 * Synthetic random token ids (B sequences of T tokens, no padding), the
 * shipped vocabulary's size (21128).  Training: the pretraining step of
 * src/train/pretrain.c (forward with dropout, MLM head at 15% of the
 * positions, cross-entropy, backward, clipping, AdamW).  Inference: the
 * encoder in evaluation mode.  Peak memory: getrusage's ru_maxrss of this
 * process.  The fraction of the machine's peak: the step's matrix-product
 * FLOPs per second over what nn_sgemm alone reaches on the encoder's own
 * shapes (the forward and backward products of its Linear layers).  The
 * peer, bench/bert_torch.py, runs the same model and step in PyTorch
 * (OMP_WAIT_POLICY=PASSIVE), in the same run, at its best: at every thread
 * count from 1 to --threads, the fastest kept for training and for
 * inference apart and named (text and JSON); with --precision bf16 (the
 * default where the processor has AVX512_BF16) under
 * torch.autocast(bfloat16); and with the environment
 * of this process, so the same OpenBLAS kernel set (OPENBLAS_CORETYPE,
 * see main.c) for its float32 products.  Both sides also report the CPU
 * time (every thread of the process) a step and a pass cost: on a loaded
 * machine wall time says more about the load than about the code, CPU
 * time far less (compare both at --threads 1 there).
 */
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cli.h"
#include "yujing/base/i18n.h"
#include "yujing/base/progress.h"
#include "yujing/base/rng.h"
#include "yujing/model/bert.h"
#include "yujing/nn/bf16.h"
#include "yujing/nn/ops.h"
#include "yujing/nn/optim.h"
#include "yujing/train/pretrain.h"

int bench_bert_main(int argc, char **argv);
const char *bench_blas_origin(void);
json_t *bench_peer_json(const char *cmd);

/* Who chose OpenBLAS's kernel set: yujing (see main.c), the user
 * (OPENBLAS_CORETYPE), or OpenBLAS itself. */
const char *bench_blas_origin(void)
{
	const char *user = getenv("OPENBLAS_CORETYPE"), *auto_ = getenv("YUJING_BLAS_AUTO");
	if (user && *user)
		return auto_ && !strcmp(auto_, "1") ? _("chosen by yujing for this CPU")
						    : _("from OPENBLAS_CORETYPE");
	return _("OpenBLAS's own choice");
}

/* Run a benchmark's peer (cmd: a shell command line, a bench/NAME.py) and
 * read the JSON object it prints: NULL when it cannot start, fails or
 * prints no JSON. */
json_t *bench_peer_json(const char *cmd)
{
	FILE *pp = popen(cmd, "r");
	if (!pp)
		return NULL;
	json_t *pj = json_loadf(pp, 0, NULL);
	if (pclose(pp) != 0) {
		json_decref(pj);
		return NULL;
	}
	return pj;
}

enum { O_CONFIG = 256, O_SEQ, O_BATCH, O_THREADS, O_SECONDS, O_NO_PEER, O_JSON, O_PRECISION };

static const cli_option options[] = {
	{"config", O_CONFIG, N_("NAME"), N_("tiny, mini (default), small or LAYERS,HIDDEN,HEADS,INTERMEDIATE")},
	{"seq", O_SEQ, N_("N"), N_("tokens per sequence (default 128)")},
	{"batch", O_BATCH, N_("N"), N_("sequences per step (default 16)")},
	{"threads", O_THREADS, N_("N"), N_("threads of yujing (default 2); the peer runs at each count from 1 to N and keeps its best")},
	{"seconds", O_SECONDS, N_("X"), N_("time each measurement for about X seconds (default 5)")},
	{"precision", O_PRECISION, N_("P"), N_("fp32 or bf16 matrix products (default bf16 where the CPU has AVX512_BF16); the peer runs bf16 autocast when this is bf16")},
	{"no-peer", O_NO_PEER, NULL, N_("do not run the PyTorch peer")},
	{"json", O_JSON, NULL, N_("print the figures as JSON")},
	{0},
};

static const cli_command bench_bert_cmd = {
	.name = "bench bert",
	.synopsis = N_("[OPTIONS]"),
	.summary = N_("Training and inference throughput of the BERT encoder, next to PyTorch"),
	.options = options,
};

typedef struct {
	const char *config;
	long seq, batch, threads;
	double seconds;
	int json, no_peer;
	nn_precision precision;
} bert_bench_args;

static int on_opt(void *ctx, int key, const char *arg)
{
	bert_bench_args *a = ctx;
	long v;
	double d;
	switch (key) {
	case O_CONFIG:
		a->config = arg;
		break;
	case O_SEQ:
	case O_BATCH:
	case O_THREADS:
		if (cli_parse_long(arg, &v) || v < (key == O_SEQ ? 3 : 1) || v > 65536)
			return cli_usage_error(&bench_bert_cmd, _("%s wants a positive whole number"),
					       key == O_SEQ ? "--seq" : key == O_BATCH ? "--batch" : "--threads");
		*(key == O_SEQ ? &a->seq : key == O_BATCH ? &a->batch : &a->threads) = v;
		break;
	case O_SECONDS:
		if (cli_parse_double(arg, &d) || !(d > 0))
			return cli_usage_error(&bench_bert_cmd, _("--seconds wants a positive number"));
		a->seconds = d;
		break;
	case O_PRECISION:
		if (nn_precision_parse(arg, &a->precision))
			return cli_usage_error(&bench_bert_cmd, _("--precision wants fp32 or bf16"));
		break;
	case O_NO_PEER:
		a->no_peer = 1;
		break;
	case O_JSON:
		a->json = 1;
		break;
	}
	return 0;
}


/* nn_sgemm FLOPs per second on the Linear products of one layer of a
 * training step over R = B*T rows: forward out = x W^T, backward
 * dx = dout W and dW += dout^T x, for the (C,C) and (C,I)/(I,C) weights. */
static double sgemm_rate(int R, int C, int I, double seconds)
{
	size_t big = (size_t)R * (size_t)(I > C ? I : C);
	float *x = malloc(big * sizeof *x), *y = malloc(big * sizeof *y),
	      *w = malloc((size_t)C * I * sizeof *w), *dw = malloc((size_t)C * I * sizeof *dw);
	if (!x || !y || !w || !dw) {
		free(x);
		free(y);
		free(w);
		free(dw);
		return -1;
	}
	for (size_t i = 0; i < big; i++)
		x[i] = y[i] = (float)(i % 7) * 0.01f;
	for (size_t i = 0; i < (size_t)C * I; i++)
		w[i] = dw[i] = (float)(i % 5) * 0.01f;
	static const int shape[3][2] = {{0, 0}, {0, 1}, {1, 0}}; /* (in, out): C->C, C->I, I->C */
	double flops = 0, t0 = progress_now(), dt = 0;
	do {
		for (int s = 0; s < 3; s++) {
			int in = shape[s][0] ? I : C, out = shape[s][1] ? I : C;
			int reps = s == 0 ? 4 : 1; /* q, k, v, attention output */
			for (int r = 0; r < reps; r++) {
				nn_sgemm(0, 1, R, out, in, 1.0f, x, in, w, in, 0.0f, y, out);
				nn_sgemm(0, 0, R, in, out, 1.0f, y, out, w, in, 0.0f, x, in);
				nn_sgemm(1, 0, out, in, R, 1.0f, y, out, x, in, 1.0f, dw, in);
				flops += 3.0 * 2.0 * R * in * out;
			}
		}
		dt = progress_now() - t0;
	} while (dt < seconds);
	free(x);
	free(y);
	free(w);
	free(dw);
	return flops / dt;
}

/* The peer's best figures and the thread counts that gave them. */
typedef struct {
	double train, infer, rss;
	long train_threads, infer_threads;
	double train_cpu, infer_cpu; /* ms of CPU a step / a pass, in those runs */
} bert_peer;

/* bench/bert_torch.py at `threads` threads; keeps what beats *best. */
static void peer_run(bert_peer *best, const bert_bench_args *a, const yj_bert_cfg *cfg, int V, int T, int B,
		     int k, long threads)
{
	char cmd[4400];
	snprintf(cmd, sizeof cmd,
		 "OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 '%s/bert_torch.py' --threads %ld --layers %d "
		 "--hidden %d --heads %d --intermediate %d --vocab %d --seq %d --batch %d --masked %d "
		 "--seconds %g --bf16 %d",
		 cli_bench_dir(), threads, cfg->layers, cfg->hidden, cfg->heads, cfg->intermediate, V, T, B, k,
		 a->seconds, a->precision == NN_BF16);
	json_t *pj = bench_peer_json(cmd);
	if (pj) {
		double tr = json_number_value(json_object_get(pj, "train_tokens_per_s")),
		       in = json_number_value(json_object_get(pj, "infer_tokens_per_s")),
		       rss = json_number_value(json_object_get(pj, "peak_rss_mb"));
		if (tr > best->train) {
			best->train = tr;
			best->train_threads = threads;
			best->train_cpu = json_number_value(json_object_get(pj, "train_cpu_ms"));
		}
		if (in > best->infer) {
			best->infer = in;
			best->infer_threads = threads;
			best->infer_cpu = json_number_value(json_object_get(pj, "infer_cpu_ms"));
		}
		if (rss > best->rss)
			best->rss = rss;
	}
	json_decref(pj);
}

/* CPU time of this process (every thread), in seconds: on a loaded machine
 * the CPU a step costs moves far less than its wall time. */
static double cpu_now(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts))
		return 0;
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double peak_rss_mb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_maxrss / 1024.0;
}

int bench_bert_main(int argc, char **argv)
{
	bert_bench_args a = {.config = "mini", .seq = 128, .batch = 16, .threads = 2, .seconds = 5,
			     .precision = nn_precision_default()};
	int i = cli_parse(&bench_bert_cmd, argc, argv, on_opt, &a);
	if (i < 0)
		return -i - 1;
	if (i != argc)
		return cli_usage_error(&bench_bert_cmd, _("unexpected argument '%s'"), argv[i]);
	yj_error err;
	error_clear(&err);
	const int V = 21128, B = (int)a.batch, T = (int)a.seq;
	yj_bert_cfg cfg;
	if (pretrain_config(a.config, V, &cfg, &err))
		return cli_fail(&err);
	if (T > cfg.max_pos)
		return cli_usage_error(&bench_bert_cmd, _("--seq %d is longer than the %d positions"), T, cfg.max_pos);
	nn_set_threads((int)a.threads);
	yj_bert m;
	if (bert_init(&m, &cfg, 42, &err))
		return cli_fail(&err);
	/* what runs: bf16 asked for on a processor without it is fp32 */
	a.precision = nn_precision_effective(a.precision);
	m.precision = a.precision;
	/* 15% of each sequence predicted, as pretraining (never position 0) */
	int k = (int)(0.15 * (T - 2) + 0.5), P = B * (k < 1 ? 1 : k);
	k = P / B;
	int32_t *ids = malloc((size_t)B * T * sizeof *ids), *pos = malloc((size_t)P * sizeof *pos),
		*lab = malloc((size_t)P * sizeof *lab);
	int rc = 1;
	if (!ids || !pos || !lab || bert_reserve(&m, B, T) || bert_mlm_reserve(&m, P)) {
		fprintf(stderr, "%s: %s\n", PACKAGE, _("out of memory"));
		goto out;
	}
	yj_rng rng;
	rng_seed(&rng, 42);
	for (int r = 0; r < B * T; r++)
		ids[r] = (r % T == 0) ? 101 : 1000 + (int32_t)rng_below(&rng, (uint64_t)V - 1000);
	for (int b = 0; b < B; b++)
		for (int j = 0; j < k; j++) {
			pos[b * k + j] = b * T + 1 + (j * (T - 2)) / k;
			lab[b * k + j] = 1000 + (int32_t)rng_below(&rng, (uint64_t)V - 1000);
		}
	yj_adamw opt;
	adamw_init(&opt);
	float loss = 0;

	/* training: 2 warm-up steps, then steps for about `seconds` */
	for (int s = 0; s < 2; s++)
		if (pretrain_step(&m, &opt, ids, NULL, B, T, pos, lab, P, 1e-4f, 1.0f, &loss, &err))
			goto fail;
	long steps = 0;
	double t0 = progress_now(), dt, c0 = cpu_now();
	do {
		if (pretrain_step(&m, &opt, ids, NULL, B, T, pos, lab, P, 1e-4f, 1.0f, &loss, &err))
			goto fail;
		steps++;
		dt = progress_now() - t0;
	} while (dt < a.seconds || steps < 3);
	double train_tps = (double)steps * B * T / dt, step_s = dt / (double)steps;
	double train_cpu = 1e3 * (cpu_now() - c0) / (double)steps;

	/* inference: the encoder in evaluation mode, no backward to follow */
	m.no_grad = 1;
	if (bert_forward(&m, ids, NULL, NULL, B, T, 0, &err))
		goto fail;
	long fw = 0;
	t0 = progress_now();
	c0 = cpu_now();
	do {
		if (bert_forward(&m, ids, NULL, NULL, B, T, 0, &err))
			goto fail;
		fw++;
		dt = progress_now() - t0;
	} while (dt < a.seconds || fw < 3);
	double infer_tps = (double)fw * B * T / dt;
	double infer_cpu = 1e3 * (cpu_now() - c0) / (double)fw;
	double rss = peak_rss_mb();

	/* FLOPs of the matrix products in one training step (x3: forward,
	 * and two products backward) against nn_sgemm alone. */
	double C = cfg.hidden, I = cfg.intermediate, L = cfg.layers, BT = (double)B * T;
	double enc_fwd = L * (2 * BT * (4 * C * C + 2 * C * I) + 4 * (double)B * T * T * C);
	double step_flops = 3 * (enc_fwd + 2.0 * P * (C * C + C * V));
	double achieved = step_flops / step_s;
	double peak = sgemm_rate(B * T, cfg.hidden, cfg.intermediate, a.seconds / 2);
	double frac = peak > 0 ? achieved / peak : -1;

	/* the peer at its best: every thread count from 1 to ours, the fastest
	 * kept for training and for inference apart (on this CPU PyTorch is
	 * often fastest at fewer threads than it is given) */
	bert_peer pt = {-1, -1, -1, 0, 0, 0, 0};
	if (!a.no_peer)
		for (long t = 1; t <= a.threads; t++)
			peer_run(&pt, &a, &cfg, V, T, B, k, t);
	double pt_train = pt.train, pt_infer = pt.infer, pt_rss = pt.rss;
	if (a.json) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:i, s:f, s:f, s:f, s:f, s:f, s:f, s:f}", "bench", "bert",
				      "config", a.config, "precision", nn_precision_name(a.precision),
				      "blas_kernel", nn_blas_corename(), "seq", T, "batch", B, "threads", (int)a.threads,
				      "train_tokens_per_s", train_tps, "infer_tokens_per_s", infer_tps, "peak_rss_mb", rss,
				      "train_gflops", achieved / 1e9, "sgemm_gflops", peak / 1e9, "sgemm_fraction", frac,
				      "loss", (double)loss);
		json_t *t = pt_train > 0 && pt_infer > 0
				? json_pack("{s:f, s:f, s:f, s:i, s:i, s:s}", "train_tokens_per_s", pt_train,
					    "infer_tokens_per_s", pt_infer, "peak_rss_mb", pt_rss, "train_threads",
					    (int)pt.train_threads, "infer_threads", (int)pt.infer_threads, "precision",
					    a.precision == NN_BF16 ? "bf16 autocast" : "fp32")
				: json_null();
		json_object_set_new(o, "train_cpu_ms", json_real(train_cpu));
		json_object_set_new(o, "infer_cpu_ms", json_real(infer_cpu));
		if (json_is_object(t) && pt.train_cpu > 0 && pt.infer_cpu > 0) {
			json_object_set_new(t, "train_cpu_ms", json_real(pt.train_cpu));
			json_object_set_new(t, "infer_cpu_ms", json_real(pt.infer_cpu));
		}
		json_object_set_new(o, "torch", t);
		json_object_set_new(o, "torch_threads", pt_train > 0 ? json_integer(pt.train_threads) : json_null());
		json_object_set_new(o, "torch_infer_threads",
				    pt_infer > 0 ? json_integer(pt.infer_threads) : json_null());
		json_object_set_new(o, "train_ratio", pt_train > 0 ? json_real(train_tps / pt_train) : json_null());
		json_object_set_new(o, "infer_ratio", pt_infer > 0 ? json_real(infer_tps / pt_infer) : json_null());
		json_object_set_new(o, "train_cpu_ratio",
				    pt.train_cpu > 0 ? json_real(pt.train_cpu / train_cpu) : json_null());
		json_object_set_new(o, "infer_cpu_ratio",
				    pt.infer_cpu > 0 ? json_real(pt.infer_cpu / infer_cpu) : json_null());
		rc = cli_print_json(o);
	} else {
		printf(_("bert benchmark: %s (%d layers, %d wide, %d heads, %d intermediate), batch %d x %d tokens, "
			 "%ld threads\n"),
		       a.config, cfg.layers, cfg.hidden, cfg.heads, cfg.intermediate, B, T, a.threads);
		printf(_("  precision %s (the peer: %s); OpenBLAS kernel %s (%s), the same for the peer\n"),
		       nn_precision_name(a.precision),
		       a.precision == NN_BF16 ? _("torch.autocast bfloat16") : _("float32"), nn_blas_corename(),
		       bench_blas_origin());
		printf(_("  yujing:  training %9.0f tokens/s (%.1f ms a step), inference %9.0f tokens/s, peak RSS "
			 "%.0f MB\n"),
		       train_tps, 1e3 * step_s, infer_tps, rss);
		printf(_("           %.1f GFLOP/s in training = %.0f%% of nn_sgemm's %.1f GFLOP/s on the same shapes\n"),
		       achieved / 1e9, 100 * frac, peak / 1e9);
		printf(_("           CPU time: %.1f ms a training step, %.1f ms an inference pass\n"), train_cpu,
		       infer_cpu);
		if (pt_train > 0 && pt_infer > 0) {
			printf(_("  PyTorch: training %9.0f tokens/s, inference %9.0f tokens/s, peak RSS %.0f MB\n"),
			       pt_train, pt_infer, pt_rss);
			printf(_("           its best of 1 to %ld threads: training at %ld, inference at %ld\n"),
			       a.threads, pt.train_threads, pt.infer_threads);
			printf(_("  ratio (yujing / PyTorch): training %.2f, inference %.2f (aim: at least %.1f)\n"),
			       train_tps / pt_train, infer_tps / pt_infer, a.precision == NN_BF16 ? 1.5 : 1.3);
			if (pt.train_cpu > 0 && pt.infer_cpu > 0)
				printf(_("  CPU time (PyTorch / yujing, in those runs): training %.1f / %.1f ms = %.2f, "
					 "inference %.1f / %.1f ms = %.2f\n"),
				       pt.train_cpu, train_cpu, pt.train_cpu / train_cpu, pt.infer_cpu, infer_cpu,
				       pt.infer_cpu / infer_cpu);
		} else if (!a.no_peer) {
			printf(_("  PyTorch peer failed (needs /usr/bin/python3 with python3-torch and %s)\n"),
			       cli_bench_dir());
		}
		rc = 0;
	}
	goto out;
fail:
	rc = cli_fail(&err);
out:
	bert_free(&m);
	free(ids);
	free(pos);
	free(lab);
	return rc;
}
