## share/yujing: data installed with the program ($(pkgdatadir)).
dist_pkgdata_DATA = \
	share/yujing/README \
	share/yujing/bert-base-chinese-vocab.txt \
	share/yujing/bert-base-chinese-vocab.README
# The data of `yujing demo` (tests/reference/make_demo_data.py builds it).
demodir = $(pkgdatadir)/demo
dist_demo_DATA = share/yujing/demo/README
demochicagodir = $(pkgdatadir)/demo/chicago
dist_demochicago_DATA = share/yujing/demo/chicago/incident.csv share/yujing/demo/chicago/place.csv
democaildir = $(pkgdatadir)/demo/cail
dist_democail_DATA = share/yujing/demo/cail/cases.jsonl
# Pretraining on PyTorch's distributed engine (torchrun): the script and the
# plain-torch BertForMaskedLM it uses (tools/pretrain_ddp.py says how).
toolsdir = $(pkgdatadir)/tools
dist_tools_SCRIPTS = tools/pretrain_ddp.py
dist_tools_DATA = tools/yujing_bert.py
# The encoder `yujing demo --dataset cail` gives a BERT branch: pretrained on
# the demo's CAIL facts (its README.md says how and what it scores).
encodercaildir = $(pkgdatadir)/encoders/cail-bert-tiny
dist_encodercail_DATA = \
	share/yujing/encoders/cail-bert-tiny/README.md \
	share/yujing/encoders/cail-bert-tiny/config.json \
	share/yujing/encoders/cail-bert-tiny/vocab.txt \
	share/yujing/encoders/cail-bert-tiny/model.safetensors
# The ablation of the text branches on CAIL (the encoder's README has its table).
dist_tools_SCRIPTS += tools/ablation_cail.sh
