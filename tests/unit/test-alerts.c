/*
 * test-alerts.c - unit tests of src/train/alerts.c: the project's alert
 * thresholds (default 0.5, one for every category, one per category),
 * stored and read back through a project file, and a stored value that is
 * not valid refused with the setting named.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "yujing/store/project.h"
#include "yujing/train/alerts.h"

int main(void)
{
	char dir[] = "/tmp/yj-alerts.XXXXXX";
	const char *tmp = getenv("TMPDIR");
	char tmpl[4096];
	snprintf(tmpl, sizeof tmpl, "%s/yj-alerts.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	char *d = mkdtemp(tmpl);
	if (!d)
		d = mkdtemp(dir);
	if (!d) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	char path[4200];
	snprintf(path, sizeof path, "%s/p.yj", d);

	yj_thresholds t;
	thresholds_init(&t);
	is_near(thresholds_get(&t, "盗窃"), 0.5, 0, "the default threshold is 0.5");
	ok(thresholds_set(&t, "盗窃", 0.9) == 0 && thresholds_set(&t, "诈骗", 0.25) == 0, "set two categories");
	is_near(thresholds_get(&t, "盗窃"), 0.9, 0, "a category set: its own");
	is_near(thresholds_get(&t, "抢劫"), 0.5, 0, "a category not set: the one for every category");
	ok(thresholds_set(&t, "盗窃", 0.8) == 0 && t.n == 2, "setting a category again replaces it");
	is_near(thresholds_get(&t, "盗窃"), 0.8, 0, "to the new value");

	yj_error err;
	error_clear(&err);
	yj_project *p = NULL;
	ok(project_create(path, &p, &err) == YJ_OK, "create a project");
	yj_thresholds u;
	ok(thresholds_load(p, &u, &err) == YJ_OK, "load from a project that has none");
	ok(u.n == 0 && u.all == 0.5, "gives the default");
	thresholds_free(&u);

	ok(thresholds_save(p, &t, &err) == YJ_OK, "save");
	project_close(p);
	ok(project_open(path, &p, &err) == YJ_OK, "open the project again");
	ok(thresholds_load(p, &u, &err) == YJ_OK, "load");
	is_int(u.n, 2, "two categories back");
	is_near(thresholds_get(&u, "盗窃"), 0.8, 0, "盗窃 0.8");
	is_near(thresholds_get(&u, "诈骗"), 0.25, 0, "诈骗 0.25");
	is_near(thresholds_get(&u, "抢劫"), 0.5, 0, "the rest 0.5");
	thresholds_free(&u);

	/* every category: the ones set one by one keep theirs (issue 14: it
	 * used to forget them) */
	ok(thresholds_set(&t, NULL, 0.3) == 0 && t.n == 2, "setting every category keeps the two set one by one");
	is_near(thresholds_get(&t, "抢劫"), 0.3, 0, "抢劫 (not set) then 0.3");
	is_near(thresholds_get(&t, "盗窃"), 0.8, 0, "盗窃 keeps 0.8");
	is_near(thresholds_get(&t, "诈骗"), 0.25, 0, "诈骗 keeps 0.25");
	ok(thresholds_save(p, &t, &err) == YJ_OK, "save that");
	ok(thresholds_load(p, &u, &err) == YJ_OK && u.n == 2 && u.all == 0.3, "and it reads back: 0.3, two set");
	is_near(thresholds_get(&u, "诈骗"), 0.25, 0, "诈骗 0.25 read back");
	thresholds_free(&u);

	/* one removed */
	is_int(thresholds_remove(&t, "盗窃"), 1, "remove 盗窃's own threshold: it had one");
	is_int(t.n, 1, "one left");
	is_near(thresholds_get(&t, "盗窃"), 0.3, 0, "盗窃 then has the one for every category");
	is_near(thresholds_get(&t, "诈骗"), 0.25, 0, "诈骗 keeps its own");
	is_int(thresholds_remove(&t, "盗窃"), 0, "removing it again: it had none");
	is_int(thresholds_remove(&t, "诈骗"), 1, "remove the last one");
	is_int(t.n, 0, "none left");
	ok(thresholds_save(p, &t, &err) == YJ_OK && thresholds_load(p, &u, &err) == YJ_OK && u.n == 0,
	   "saved and read back: none set");
	thresholds_free(&u);

	/* a category that does not exist: refused with the closest names */
	is_int(thresholds_distance("THEFT", "theft"), 0, "distance: ASCII case folded");
	is_int(thresholds_distance("盗窃", "盗抢"), 1, "distance: one character, not its three bytes");
	is_int(thresholds_distance("", "abc"), 3, "distance: from nothing");
	is_int(thresholds_distance("kitten", "sitting"), 3, "distance: kitten/sitting 3 (by hand)");
	const char *known[] = {"THEFT", "BATTERY", "ASSAULT", "NARCOTICS", "CRIMINAL DAMAGE", "BURGLARY"};
	error_clear(&err);
	is_int(thresholds_check_category("BATTERY", known, 6, &err), YJ_OK, "a known category passes");
	error_clear(&err);
	is_int(thresholds_check_category("THEFTS", known, 6, &err), YJ_EUSAGE, "a misspelt category is refused");
	is_str(err.msg, "no category 'THEFTS'", "the message names it");
	/* Levenshtein from "thefts" (a textbook DP in Python, by hand for THEFT):
	 * THEFT 1, BATTERY 6, ASSAULT 7, NARCOTICS 7, BURGLARY 8, CRIMINAL
	 * DAMAGE 15; ASSAULT before NARCOTICS: ties keep the given order */
	is_str(err.hint, "the closest categories: THEFT, BATTERY, ASSAULT", "the hint gives the three closest");
	error_clear(&err);
	is_int(thresholds_check_category("x", known, 0, &err), YJ_EUSAGE, "no categories known: refused too");
	const char *bad[] = {"not json", "{\"all\": 1.5}", "{\"all\": 0.5, \"categories\": {\"a\": -0.1}}",
			     "{\"all\": \"x\"}", "[0.5]", "{\"all\": 0.5, \"categories\": [1]}"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ok(project_setting_set(p, "alert_thresholds", bad[i], &err) == YJ_OK, "store %s", bad[i]);
		error_clear(&err);
		ok(thresholds_load(p, &u, &err) == YJ_EDATA, "%s is refused", bad[i]);
		ok(strstr(err.msg, "alert_thresholds") != NULL, "the error names the setting: %s", err.msg);
		thresholds_free(&u);
	}
	project_close(p);
	thresholds_free(&t);

	char f[4300];
	const char *sfx[] = {"", "-wal", "-shm"};
	for (int i = 0; i < 3; i++) {
		snprintf(f, sizeof f, "%s%s", path, sfx[i]);
		unlink(f);
	}
	rmdir(d);
	return tap_done();
}
