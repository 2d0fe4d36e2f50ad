/*
 * i18n.h - the one place gettext is wired in.
 *
 * _() translates now, N_() marks a string for extraction to translate later
 * (tables of option help, status names).  The text domain is bound once by
 * the CLI's main(); library code only looks messages up.
 */
#ifndef YUJING_BASE_I18N_H
#define YUJING_BASE_I18N_H

#include <libintl.h>

#define _(s) gettext(s)
#define N_(s) (s)
#define P_(s, p, n) ngettext(s, p, n)

#endif
