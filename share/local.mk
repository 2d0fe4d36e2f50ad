## share/yujing: data installed with the program ($(pkgdatadir)).
dist_pkgdata_DATA = \
	share/yujing/README \
	share/yujing/bert-base-chinese-vocab.txt \
	share/yujing/bert-base-chinese-vocab.README
