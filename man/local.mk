dist_man_MANS += man/yujing.1
