## share/yujing: data installed with the program ($(pkgdatadir)).
dist_pkgdata_DATA = share/yujing/README
