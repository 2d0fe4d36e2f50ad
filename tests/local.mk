## Tests: C unit tests print TAP; CLI tests are shell scripts printing TAP.
## MALLOC_PERTURB_: glibc fills what malloc returns with 0x5a bytes (and
## what free releases with 0xa5), so code that reads memory it never wrote
## sees garbage, not the zeros of fresh pages, and fails (ASan fills with
## its own byte; valgrind reports such reads itself).
TEST_EXTENSIONS = .sh
LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
SH_LOG_DRIVER = $(LOG_DRIVER)
SH_LOG_COMPILER = $(SHELL)
AM_TESTS_ENVIRONMENT = \
	YUJING='$(abs_top_builddir)/yujing'; export YUJING; \
	top_srcdir='$(abs_top_srcdir)'; export top_srcdir; \
	FIXTURES='$(abs_top_srcdir)/tests/fixtures'; export FIXTURES; \
	YUJING_DATADIR='$(abs_top_srcdir)/share/yujing'; export YUJING_DATADIR; \
	SQLITE3='$(SQLITE3_CLI)'; export SQLITE3; \
	LANGUAGE=; export LANGUAGE; LC_ALL=C.UTF-8; export LC_ALL; \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0; export ASAN_OPTIONS; \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1; export UBSAN_OPTIONS; \
	MALLOC_PERTURB_=165; export MALLOC_PERTURB_;

EXTRA_DIST += tests/unit/tap.h tests/unit/tmpdir.h tests/unit/wrapfail.h tests/cli/lib.sh
EXTRA_DIST += $(wildcard $(srcdir)/tests/fixtures/*)

UNIT_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS) $(JANSSON_CFLAGS) -I$(top_srcdir)/tests/unit -I$(top_srcdir)/src/store

check_PROGRAMS += tests/unit/test-base
tests_unit_test_base_SOURCES = tests/unit/test-base.c
tests_unit_test_base_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_base_LDADD = src/base/libbase.a

check_PROGRAMS += tests/unit/test-project
tests_unit_test_project_SOURCES = tests/unit/test-project.c
tests_unit_test_project_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_project_LDADD = $(STORE_LIBS)

check_PROGRAMS += tests/unit/test-store-data
tests_unit_test_store_data_SOURCES = tests/unit/test-store-data.c
tests_unit_test_store_data_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_store_data_LDADD = $(STORE_LIBS)

## sources_drop() when quoting a name runs out of memory: the real
## store_quote_ident is wrapped (GNU ld --wrap) by one that fails on demand.
check_PROGRAMS += tests/unit/test-sources-nomem
tests_unit_test_sources_nomem_SOURCES = tests/unit/test-sources-nomem.c
tests_unit_test_sources_nomem_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_sources_nomem_LDFLAGS = -Wl,--wrap=store_quote_ident
tests_unit_test_sources_nomem_LDADD = $(DATA_LIBS)

## profile_table() when an allocation fails: malloc, calloc and realloc of
## yujing's own code are wrapped (GNU ld --wrap) by ones that fail on demand.
check_PROGRAMS += tests/unit/test-profile-nomem
tests_unit_test_profile_nomem_SOURCES = tests/unit/test-profile-nomem.c
tests_unit_test_profile_nomem_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_profile_nomem_LDFLAGS = -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup
tests_unit_test_profile_nomem_LDADD = $(DATA_LIBS)

check_PROGRAMS += tests/unit/test-reader
tests_unit_test_reader_SOURCES = tests/unit/test-reader.c
tests_unit_test_reader_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_reader_LDADD = $(DATA_LIBS)

check_PROGRAMS += tests/unit/test-import
tests_unit_test_import_SOURCES = tests/unit/test-import.c
tests_unit_test_import_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_import_LDADD = $(DATA_LIBS)

check_PROGRAMS += tests/unit/test-infer
tests_unit_test_infer_SOURCES = tests/unit/test-infer.c
tests_unit_test_infer_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_infer_LDADD = $(DATA_LIBS)

TESTS += $(check_PROGRAMS)
TESTS += \
	tests/cli/basics.sh \
	tests/cli/init.sh \
	tests/cli/import.sh \
	tests/cli/import-large.sh
EXTRA_DIST += \
	tests/cli/basics.sh \
	tests/cli/init.sh \
	tests/cli/import.sh \
	tests/cli/import-large.sh

## Documentation and translation: man/yujing.1 against the command table,
## po/POTFILES.in and po/zh_CN.po against the sources, the catalogue at work.
TESTS += \
	tests/cli/man.sh \
	tests/cli/po.sh
EXTRA_DIST += \
	tests/cli/man.sh \
	tests/cli/po.sh
## The generators of the reference figures (python3, python3-torch).
EXTRA_DIST += $(wildcard $(srcdir)/tests/reference/*.py)

## src/nn: finite-difference gradient checks, parity with PyTorch's numbers
## (tests/nn/golden/ops.json from tests/reference/gen_nn_ops.py, committed;
## make check never runs torch), the safetensors reader/writer and fuzzing.
NN_TEST_CFLAGS = $(AM_CFLAGS) $(OPENBLAS_CFLAGS) $(JANSSON_CFLAGS) -I$(top_srcdir)/tests/unit
NN_TESTS = \
	tests/nn/test-gradcheck \
	tests/nn/test-parity-ops \
	tests/nn/test-safetensors \
	tests/nn/test-bf16 \
	tests/nn/test-pool \
	tests/nn/test-corners \
	tests/nn/test-bn-relu \
	tests/nn/test-softmax \
	tests/nn/test-direct
# (TESTS already lists every check_PROGRAMS, this block's included.)
check_PROGRAMS += $(NN_TESTS)
tests_nn_test_gradcheck_SOURCES = tests/nn/test-gradcheck.c
tests_nn_test_gradcheck_CFLAGS = $(NN_TEST_CFLAGS)
tests_nn_test_gradcheck_LDADD = $(NN_LIBS)
tests_nn_test_parity_ops_SOURCES = tests/nn/test-parity-ops.c
tests_nn_test_parity_ops_CFLAGS = $(NN_TEST_CFLAGS)
tests_nn_test_parity_ops_LDADD = $(NN_LIBS)
tests_nn_test_bf16_SOURCES = tests/nn/test-bf16.c
tests_nn_test_bf16_CFLAGS = $(NN_TEST_CFLAGS)
tests_nn_test_bf16_LDADD = $(NN_LIBS)
tests_nn_test_bn_relu_SOURCES = tests/nn/test-bn-relu.c
tests_nn_test_bn_relu_CFLAGS = $(NN_TEST_CFLAGS)
tests_nn_test_bn_relu_LDADD = $(NN_LIBS)
tests_nn_test_softmax_SOURCES = tests/nn/test-softmax.c
tests_nn_test_softmax_CFLAGS = $(NN_TEST_CFLAGS)
tests_nn_test_softmax_LDADD = $(NN_LIBS)
tests_nn_test_direct_SOURCES = tests/nn/test-direct.c
tests_nn_test_direct_CFLAGS = $(NN_TEST_CFLAGS)
tests_nn_test_direct_LDADD = $(NN_LIBS)
tests_nn_test_pool_SOURCES = tests/nn/test-pool.c
tests_nn_test_pool_CFLAGS = $(NN_TEST_CFLAGS)
tests_nn_test_pool_LDADD = $(NN_LIBS)
tests_nn_test_corners_SOURCES = tests/nn/test-corners.c
tests_nn_test_corners_CFLAGS = $(NN_TEST_CFLAGS)
tests_nn_test_corners_LDADD = $(MODEL_LIBS) -lm
tests_nn_test_safetensors_SOURCES = tests/nn/test-safetensors.c
tests_nn_test_safetensors_CFLAGS = $(NN_TEST_CFLAGS)
tests_nn_test_safetensors_LDADD = $(NN_LIBS)
# (gen_nn_ops.py is in the tests/reference/*.py wildcard above.)
EXTRA_DIST += tests/nn/golden/ops.json

## The BERT tokenizer (text layer).
check_PROGRAMS += tests/text/test-tokenizer
tests_text_test_tokenizer_SOURCES = tests/text/test-tokenizer.c
tests_text_test_tokenizer_CFLAGS = $(UNIT_CFLAGS)
tests_text_test_tokenizer_LDADD = $(TEXT_LIBS) $(JANSSON_LIBS)
EXTRA_DIST += tests/text/inputs.jsonl tests/text/golden.jsonl \
	tests/reference/gen_tokenizer.mjs tests/reference/make_tokenizer_inputs.py

## Data quality (profile, clean, split): hand-computed fixtures, and the
## profile of samples of the real data sets against an independent
## reference (tests/reference/profile_ref.py, Python standard library).
TESTS += \
	tests/cli/quality.sh \
	tests/cli/profile-ref.sh
EXTRA_DIST += \
	tests/cli/quality.sh \
	tests/cli/profile-ref.sh \
	tests/reference/profile_ref.py \
	tests/fixtures/quality/profile.csv \
	tests/fixtures/quality/single.csv \
	tests/fixtures/quality/dups.csv \
	tests/fixtures/quality/dates.csv \
	tests/fixtures/quality/clean.csv \
	tests/fixtures/quality/cases.csv \
	tests/fixtures/quality/events.csv \
	tests/fixtures/quality/split.jsonl \
	tests/fixtures/quality/cjk.csv \
	tests/fixtures/quality/chicago_2000.csv \
	tests/fixtures/quality/cail_300.jsonl

## The structured branch and the training loop: parity of the whole branch
## with PyTorch (tests/nn/golden/mlp.json from tests/reference/gen_mlp.py,
## committed), finite differences through it, a learning test; metrics
## against hand-computed values; train/runs/eval end to end (learning,
## reproducibility, cancel and resume, the eval JSON).
check_PROGRAMS += tests/nn/test-mlp tests/unit/test-metrics
tests_nn_test_mlp_SOURCES = tests/nn/test-mlp.c
tests_nn_test_mlp_CFLAGS = $(AM_CFLAGS) $(OPENBLAS_CFLAGS) $(JANSSON_CFLAGS) -I$(top_srcdir)/tests/unit
tests_nn_test_mlp_LDADD = $(MODEL_LIBS)
tests_unit_test_metrics_SOURCES = tests/unit/test-metrics.c
tests_unit_test_metrics_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_metrics_LDADD = $(TRAIN_LIBS)
## The settings tables and the stored run configuration; a project file
## made before configurations had a version (tests/fixtures/old-project).
TESTS += tests/cli/old-project.sh
EXTRA_DIST += tests/cli/old-project.sh
check_PROGRAMS += tests/unit/test-settings
tests_unit_test_settings_SOURCES = tests/unit/test-settings.c
tests_unit_test_settings_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_settings_LDADD = $(TRAIN_LIBS)
check_PROGRAMS += tests/unit/test-alerts
tests_unit_test_alerts_SOURCES = tests/unit/test-alerts.c
tests_unit_test_alerts_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_alerts_LDADD = $(TRAIN_LIBS)
check_PROGRAMS += tests/unit/test-explain
tests_unit_test_explain_SOURCES = tests/unit/test-explain.c
tests_unit_test_explain_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_explain_LDADD = $(TRAIN_LIBS)
TESTS += tests/cli/train.sh
EXTRA_DIST += tests/cli/train.sh tests/nn/golden/mlp.json
## yujing tune: trials tagged, the winner on validation, cancelling.
TESTS += tests/cli/tune.sh
EXTRA_DIST += tests/cli/tune.sh
## The validation part, honest selection, calibration (issue 13).
TESTS += tests/cli/valid.sh
## bench mlp's measurement: rounds, statistics, the peer's protocol.
TESTS += tests/cli/bench-mlp.sh
EXTRA_DIST += tests/cli/bench-mlp.sh
TESTS += tests/cli/adjust.sh
TESTS += tests/cli/separable.sh
EXTRA_DIST += tests/cli/separable.sh
TESTS += tests/cli/explain-tie.sh
EXTRA_DIST += tests/cli/explain-tie.sh
EXTRA_DIST += tests/cli/adjust.sh tests/reference/gen_logit_adjust.py
EXTRA_DIST += tests/cli/valid.sh

## src/model: the BERT encoder against PyTorch (tests/model/golden.safetensors
## and the fixture model directories from tests/reference/gen_bert.py,
## committed), finite differences, Hugging Face directory load/export; the
## embed command against the same model.
check_PROGRAMS += tests/model/test-bert
tests_model_test_bert_SOURCES = tests/model/test-bert.c
tests_model_test_bert_CFLAGS = $(NN_TEST_CFLAGS)
tests_model_test_bert_LDADD = $(MODEL_LIBS)
TESTS += tests/cli/embed.sh
EXTRA_DIST += \
	tests/cli/embed.sh \
	tests/model/golden.safetensors \
	tests/model/golden-mean.safetensors \
	tests/model/golden-bf16.safetensors \
	tests/model/hf-trained-golden.safetensors \
	tests/model/hf-trained/config.json \
	tests/model/hf-trained/vocab.txt \
	tests/model/hf-trained/model.safetensors \
	tests/model/embed-golden.tsv \
	tests/model/fixture/config.json \
	tests/model/fixture/vocab.txt \
	tests/model/fixture/model.safetensors \
	tests/model/fixture-half/config.json \
	tests/model/fixture-half/vocab.txt \
	tests/model/fixture-half/model.safetensors

## src/tui: the workbench driven in tmux (tests/tui/tmux.sh; each script
## skips without tmux, python3, or for zh.sh the zh_CN.UTF-8 locale).
TESTS += \
	tests/tui/frame.sh \
	tests/tui/quality.sh \
	tests/tui/clean.sh \
	tests/tui/zh.sh \
	tests/tui/zh-build-tree.sh \
	tests/tui/responsive.sh \
	tests/tui/train.sh \
	tests/tui/cases.sh \
	tests/tui/inspector-reload.sh \
	tests/tui/warnings.sh \
	tests/tui/pane.sh \
	tests/tui/inspector-fields.sh \
	tests/tui/cases-sort.sh \
	tests/tui/runs.sh \
	tests/tui/trainer-path.sh
EXTRA_DIST += \
	tests/tui/tmux.sh \
	tests/tui/frame.sh \
	tests/tui/quality.sh \
	tests/tui/clean.sh \
	tests/tui/zh.sh \
	tests/tui/zh-build-tree.sh \
	tests/tui/responsive.sh \
	tests/tui/train.sh \
	tests/tui/cases.sh \
	tests/tui/inspector-reload.sh \
	tests/tui/warnings.sh \
	tests/tui/pane.sh \
	tests/tui/inspector-fields.sh \
	tests/tui/cases-sort.sh \
	tests/tui/runs.sh \
	tests/tui/trainer-path.sh \
	tests/tui/key-latency.py \
	tests/tui/po-tr.py

## Masked-LM pretraining (src/train/pretrain.c): the masking against a
## reference and its statistics; pretrain end to end (learning, the run and
## encoder it stores, export loaded by embed, cancel and resume).
check_PROGRAMS += tests/unit/test-pretrain-mask
tests_unit_test_pretrain_mask_SOURCES = tests/unit/test-pretrain-mask.c
tests_unit_test_pretrain_mask_CFLAGS = $(UNIT_CFLAGS) $(OPENBLAS_CFLAGS)
tests_unit_test_pretrain_mask_LDADD = $(TRAIN_LIBS)
check_PROGRAMS += tests/unit/test-span-mask
tests_unit_test_span_mask_SOURCES = tests/unit/test-span-mask.c
tests_unit_test_span_mask_CFLAGS = $(UNIT_CFLAGS) $(OPENBLAS_CFLAGS)
tests_unit_test_span_mask_LDADD = $(TRAIN_LIBS)
TESTS += tests/cli/pretrain.sh tests/model/learn-bf16.sh tests/cli/encoder-vocab.sh tests/cli/hf-torch.sh
EXTRA_DIST += tests/cli/pretrain.sh tests/model/learn-bf16.sh tests/cli/encoder-vocab.sh tests/cli/hf-torch.sh \
	tests/cli/hf_torch_check.py

## The multimodal model: n-gram branch, fusion head, Shapley values
## (tests/nn/test-fusion.c); train, predict and explain end to end.
check_PROGRAMS += tests/nn/test-fusion
tests_nn_test_fusion_SOURCES = tests/nn/test-fusion.c
tests_nn_test_fusion_CFLAGS = $(UNIT_CFLAGS) $(OPENBLAS_CFLAGS)
tests_nn_test_fusion_LDADD = $(MODEL_LIBS) -lm
TESTS += tests/cli/multimodal.sh tests/cli/explain.sh tests/cli/explain-width.sh tests/cli/explain-fields.sh tests/cli/explain-long.sh tests/cli/explain-words.sh
EXTRA_DIST += tests/cli/multimodal.sh tests/cli/explain.sh tests/cli/explain-width.sh tests/cli/explain-fields.sh tests/cli/explain-long.sh tests/cli/explain-words.sh tests/cli/occlusion-check.py tests/cli/mm-data.sh
TESTS += tests/cli/const-field.sh
EXTRA_DIST += tests/cli/const-field.sh
TESTS += tests/cli/predict.sh tests/cli/predict-many.sh
EXTRA_DIST += tests/cli/predict.sh tests/cli/predict-many.sh
TESTS += tests/cli/alerts-pr.sh
EXTRA_DIST += tests/cli/alerts-pr.sh
## One cleaning engine: kept rows through predict --source give the
## training-time probabilities (issue 12).
TESTS += tests/cli/predict-kept.sh
EXTRA_DIST += tests/cli/predict-kept.sh
## Imports stage their rows and lock the project briefly; catalogue
## columns are checked (issues 12 and 15).
TESTS += tests/cli/import-stage.sh
EXTRA_DIST += tests/cli/import-stage.sh
TESTS += tests/cli/textbranch.sh
EXTRA_DIST += tests/cli/textbranch.sh
## yujing demo on a few hundred of the shipped CAIL cases; the workbench
## the default (Chicago) demo opens, in tmux.
TESTS += tests/cli/demo.sh tests/tui/demo.sh
EXTRA_DIST += tests/cli/demo.sh tests/tui/demo.sh

## make installcheck (make distcheck runs it): the installed files, and the
## installed program finding its data and translations (tests/install.sh).
EXTRA_DIST += tests/install.sh
installcheck-local:
	$(SHELL) $(srcdir)/tests/install.sh '$(DESTDIR)' '$(bindir)' '$(pkgdatadir)' \
		'$(mandir)' '$(localedir)' '$(abs_top_srcdir)'

## Issue 18: the small constants and bounds of src/nn and the BERT
## initialisation (epsilons, the last logit, a label equal to K, the clip's
## 1e-6, zero biases), each against a value worked out by hand.
check_PROGRAMS += tests/nn/test-edges
tests_nn_test_edges_SOURCES = tests/nn/test-edges.c
tests_nn_test_edges_CFLAGS = $(NN_TEST_CFLAGS)
tests_nn_test_edges_LDADD = $(MODEL_LIBS) -lm
## Issue 18: the numbers of the Runs list and the Quality drill-ins against
## the CLI's JSON and the CSV, at 80x24 and 132x40.
TESTS += tests/tui/numbers.sh tests/tui/pane-narrow.sh tests/tui/inspector-top.sh tests/tui/warnings-edges.sh tests/tui/clean-k.sh
EXTRA_DIST += tests/tui/numbers.sh tests/tui/pane-narrow.sh tests/tui/inspector-top.sh tests/tui/warnings-edges.sh tests/tui/clean-k.sh
## Issue 18: clean and split at their edges (a key on three rows, a field
## with no fill value, the test share of a class of two), worked by hand.
TESTS += tests/cli/edges.sh
EXTRA_DIST += tests/cli/edges.sh

## The mutation harness (issue 18): `make mutation` applies the committed
## mutants of tests/mutation/mutants.txt one at a time to a copy of the
## tree and prints the kill rate per module (MUTATION_FLAGS, e.g.
## --sample 20, --only REGEX, --asan; see tests/mutation/run.py).
EXTRA_DIST += tests/mutation/run.py tests/mutation/propose.py tests/mutation/mutants.txt
MUTATION_FLAGS =
mutation:
	@test -n "$(PYTHON3)" || { echo "make mutation needs python3 (Debian package python3)" >&2; exit 1; }
	$(PYTHON3) $(srcdir)/tests/mutation/run.py $(MUTATION_FLAGS)
.PHONY: mutation

## Display widths and fitting (src/text/width.c), by hand; nothing
## written past the buffer given.
check_PROGRAMS += tests/text/test-width
tests_text_test_width_SOURCES = tests/text/test-width.c
tests_text_test_width_CFLAGS = $(UNIT_CFLAGS)
tests_text_test_width_LDADD = $(TEXT_LIBS)

## Issue 15: files from someone else are data (tests/cli/harden.sh), the
## reader's bounds and cancellation (tests/unit/test-bounds).
TESTS += tests/cli/harden.sh
EXTRA_DIST += tests/cli/harden.sh
check_PROGRAMS += tests/unit/test-bounds
tests_unit_test_bounds_SOURCES = tests/unit/test-bounds.c
tests_unit_test_bounds_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_bounds_LDADD = $(DATA_LIBS)

## Calibration (src/train/calibrate.c): temperature scaling against a numpy
## reference (tests/reference/gen_calibrate.py -> tests/nn/golden/calibrate.txt),
## ECE and Brier on a hand-worked example.
check_PROGRAMS += tests/unit/test-train-corners
tests_unit_test_train_corners_SOURCES = tests/unit/test-train-corners.c
tests_unit_test_train_corners_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_train_corners_LDADD = $(TRAIN_LIBS)
check_PROGRAMS += tests/unit/test-calibrate
tests_unit_test_calibrate_SOURCES = tests/unit/test-calibrate.c
tests_unit_test_calibrate_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_calibrate_LDADD = $(TRAIN_LIBS) -lm
EXTRA_DIST += tests/nn/golden/calibrate.txt tests/reference/gen_calibrate.py

## The validation part of a split (split_assign, src/data/split.c): the
## counts for classes of 1, 2, 3, 7 and 100 cases, worked by hand.
check_PROGRAMS += tests/unit/test-split
tests_unit_test_split_SOURCES = tests/unit/test-split.c
tests_unit_test_split_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_split_LDADD = $(DATA_LIBS) -lm

## Which rows a field's drill-in samples (src/data/sample.c), by hand.
check_PROGRAMS += tests/unit/test-sample
tests_unit_test_sample_SOURCES = tests/unit/test-sample.c
tests_unit_test_sample_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_sample_LDADD = $(DATA_LIBS) -lm

## The categorical shares of a source with several rows per case (the
## top-K values and "other", src/data/features.c), worked by hand.
check_PROGRAMS += tests/unit/test-features-other
tests_unit_test_features_other_SOURCES = tests/unit/test-features-other.c
tests_unit_test_features_other_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_features_other_LDADD = $(DATA_LIBS) -lm

## The n-gram branch learns: it reaches a linear model's accuracy
## (tests/reference/ngram_linear.py) on tests/fixtures/cail_6x40.jsonl.
TESTS += tests/cli/ngram-learn.sh
EXTRA_DIST += tests/cli/ngram-learn.sh tests/reference/ngram_linear.py

## The decay the lazy n-gram rows miss survives a stop inside an epoch.
TESTS += tests/cli/ngram-decay.sh
EXTRA_DIST += tests/cli/ngram-decay.sh

# The run lifecycle's defects (issue 15: 4, 7, 8, 9): run-life.sh drives
# run-faults, a training run that kills itself or meets a full disk.
check_PROGRAMS += tests/unit/run-faults
tests_unit_run_faults_SOURCES = tests/unit/run-faults.c
tests_unit_run_faults_CFLAGS = $(UNIT_CFLAGS)
tests_unit_run_faults_LDADD = $(TRAIN_LIBS) $(JANSSON_LIBS)
TESTS += tests/cli/run-life.sh
EXTRA_DIST += tests/cli/run-life.sh
# cases_list() when an allocation fails: cases-nomem.sh drives cases-nomem,
# linked with malloc, calloc, realloc and strdup wrapped (GNU ld --wrap).
check_PROGRAMS += tests/unit/cases-nomem
tests_unit_cases_nomem_SOURCES = tests/unit/cases-nomem.c
tests_unit_cases_nomem_CFLAGS = $(UNIT_CFLAGS)
tests_unit_cases_nomem_LDFLAGS = -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup
tests_unit_cases_nomem_LDADD = $(TRAIN_LIBS) $(JANSSON_LIBS)
TESTS += tests/cli/cases-nomem.sh
EXTRA_DIST += tests/cli/cases-nomem.sh

# Issue 14: the trainer's and investigator's traps.
TESTS += tests/cli/train-snapshot.sh tests/cli/model-of-record.sh tests/cli/new-cases.sh tests/cli/append.sh
EXTRA_DIST += tests/cli/train-snapshot.sh tests/cli/model-of-record.sh tests/cli/new-cases.sh tests/cli/append.sh

## issue 14, the analyst's and investigator's paths (second session)
TESTS += tests/cli/set-type.sh tests/tui/retype.sh tests/tui/clean-undo.sh tests/tui/drill-time.sh tests/tui/prompt-more.sh tests/tui/warnings-inspect.sh tests/tui/cases-wide.sh tests/tui/inspector-ranks.sh tests/tui/warnings-pr.sh
EXTRA_DIST += tests/cli/set-type.sh tests/tui/retype.sh tests/tui/clean-undo.sh tests/tui/drill-time.sh tests/tui/prompt-more.sh tests/tui/warnings-inspect.sh tests/tui/cases-wide.sh tests/tui/inspector-ranks.sh tests/tui/warnings-pr.sh

## Comparing two runs (issue 14): McNemar worked by hand, the paired
## bootstrap against tests/reference/compare_ref.py (scikit-learn).
check_PROGRAMS += tests/unit/test-compare
tests_unit_test_compare_SOURCES = tests/unit/test-compare.c
tests_unit_test_compare_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_compare_LDADD = $(TRAIN_LIBS)
TESTS += tests/cli/compare.sh
EXTRA_DIST += tests/cli/compare.sh

## Issue 18 (mutation): the shared command-line plumbing (src/cli/cli.c) and
## yujing tokenize, every output written out by hand.
TESTS += tests/cli/cli-front.sh tests/cli/cli-opts.sh tests/tui/drill-edges.sh
EXTRA_DIST += tests/cli/cli-front.sh tests/cli/cli-opts.sh tests/tui/drill-edges.sh
## The workbench's drawing primitives and table widget on a curses screen
## read back cell by cell (src/tui/draw.c, src/tui/table.c).
check_PROGRAMS += tests/unit/test-tui-draw
tests_unit_test_tui_draw_SOURCES = tests/unit/test-tui-draw.c
tests_unit_test_tui_draw_CFLAGS = $(UNIT_CFLAGS) $(NCURSESW_CFLAGS) -I$(top_srcdir)/src/tui
tests_unit_test_tui_draw_LDADD = $(TUI_LIBS) $(TEXT_LIBS)
