## Benchmarks: `make bench` runs them (never part of make check).
EXTRA_DIST += bench/profile_pandas.py bench/mlp_torch.py bench/chicago_structured.sh \
	bench/sklearn_baseline.py

bench: yujing$(EXEEXT)
	$(builddir)/yujing bench import
	YUJING_BENCH_DIR=$(abs_top_srcdir)/bench $(builddir)/yujing bench profile
	$(builddir)/yujing bench clean
	YUJING_BENCH_DIR=$(abs_top_srcdir)/bench $(builddir)/yujing bench mlp
	YUJING_BENCH_DIR=$(abs_top_srcdir)/bench $(builddir)/yujing bench bert
	YUJING_BENCH_DIR=$(abs_top_srcdir)/bench $(builddir)/yujing bench bert --precision fp32
.PHONY: bench
EXTRA_DIST += bench/bf16_kernels.c bench/bf16_kernels.sh bench/learn_bf16.sh
EXTRA_DIST += bench/bert_torch.py bench/quality_report.sh bench/quality_report.py
