/*
 * test-alerts.c - unit tests of src/train/alerts.c: the project's alert
 * thresholds (default 0.5, one for every category, one per category),
 * stored and read back through a project file, and a stored value that is
 * not valid refused with the setting named; thresholds_edit's three forms;
 * the precision and recall of thresholds on a hand-made validation set.
 */
#include <config.h>

#include <math.h>
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

	/* thresholds_edit: P, CATEGORY=P, CATEGORY= */
	const char *cats[] = {"a", "b", "c"};
	yj_threshold_edit what;
	char *cat = NULL;
	thresholds_init(&t);
	error_clear(&err);
	ok(thresholds_edit(&t, "b=0.25", cats, 3, &what, &cat, &err) == YJ_OK && what == THRESHOLD_SET_ONE &&
		   cat && !strcmp(cat, "b"),
	   "b=0.25 sets b's own");
	free(cat);
	ok(thresholds_edit(&t, "0.75", cats, 3, &what, &cat, &err) == YJ_OK && what == THRESHOLD_SET_ALL && !cat,
	   "0.75 sets every other category");
	is_near(thresholds_get(&t, "b"), 0.25, 0, "b keeps 0.25");
	is_near(thresholds_get(&t, "a"), 0.75, 0, "a has 0.75");
	ok(thresholds_edit(&t, "bb=0.5", cats, 3, &what, NULL, &err) == YJ_EUSAGE, "a misspelt category is refused");
	is_str(err.hint, "the closest categories: b, a, c", "with the closest names");
	error_clear(&err);
	ok(thresholds_edit(&t, "b=1.5", cats, 3, &what, NULL, &err) == YJ_EUSAGE, "b=1.5 is refused");
	ok(thresholds_edit(&t, "b=x", cats, 3, &what, NULL, &err) == YJ_EUSAGE, "b=x is refused");
	ok(thresholds_edit(&t, "", cats, 3, &what, NULL, &err) == YJ_EUSAGE, "nothing is refused");
	is_near(thresholds_get(&t, "b"), 0.25, 0, "and b still has 0.25");
	ok(thresholds_edit(&t, "b=", cats, 3, &what, NULL, &err) == YJ_OK && what == THRESHOLD_REMOVED,
	   "b= removes b's own");
	ok(thresholds_edit(&t, "b=", cats, 3, &what, NULL, &err) == YJ_OK && what == THRESHOLD_NOT_OWN,
	   "b= again: it had none");
	is_int(t.n, 0, "none set one by one");

	/* Five validation cases, categories a b c; true a a b c c.  By hand:
	 * a at 0.5 flags cases 0 2 3 (p 0.6 0.5 0.5): alerts 3, true 1 (case
	 * 0), truth 2: precision 1/3, recall 1/2.  b at 0.5 flags none:
	 * precision undefined, recall 0/1.  c at 0.5 flags case 4 (0.7):
	 * precision 1, recall 1/2.  With b's own threshold, every other
	 * category (a, c) at 0.5 sums a and c: alerts 3 + 1, true 1 + 1,
	 * truth 2 + 2. */
	float probs[5][3] = {{0.6f, 0.3f, 0.1f}, {0.45f, 0.2f, 0.35f}, {0.5f, 0.4f, 0.1f}, {0.5f, 0.05f, 0.45f},
			     {0.2f, 0.1f, 0.7f}};
	char *names[3] = {"a", "b", "c"};
	int32_t y[5] = {0, 0, 1, 2, 2};
	yj_alert_valid v = {.run = 1, .split = 1, .K = 3, .category = names, .n = 5, .y = y, .p = &probs[0][0]};
	yj_alert_pr pr;
	alerts_pr_category(&v, 0, 0.5, &pr);
	ok(pr.alerts == 3 && pr.hits == 1 && pr.truth == 2, "a at 0.5: 3 alerts, 1 true, 2 truly a");
	is_near(pr.precision, 1.0 / 3, 1e-15, "precision 1/3");
	is_near(pr.recall, 0.5, 0, "recall 1/2");
	alerts_pr_category(&v, 1, 0.5, &pr);
	ok(pr.alerts == 0 && pr.hits == 0 && pr.truth == 1 && isnan(pr.precision) && pr.recall == 0,
	   "b at 0.5: no alert, precision undefined, recall 0");
	alerts_pr_category(&v, 2, 0.7f, &pr);
	ok(pr.alerts == 1 && pr.hits == 1 && pr.precision == 1 && pr.recall == 0.5,
	   "c at exactly a case's probability (0.7f) flags it: precision 1, recall 1/2");
	alerts_pr_category(&v, 2, 0.71, &pr);
	ok(pr.alerts == 0 && isnan(pr.precision), "c just above it flags none");
	ok(thresholds_set(&t, NULL, 0.5) == 0 && thresholds_set(&t, "b", 0.1) == 0 && thresholds_set(&t, "zz", 0.9) == 0,
	   "every category 0.5, b 0.1, and zz (a category the run does not know)");
	size_t ncat = 0;
	alerts_pr_all(&v, &t, &pr, &ncat);
	ok(ncat == 2 && pr.alerts == 4 && pr.hits == 2 && pr.truth == 4, "every other (a, c): 4 alerts, 2 true of 4");
	is_near(pr.precision, 0.5, 0, "precision 1/2");
	is_near(pr.recall, 0.5, 0, "recall 1/2");
	is_int(alerts_valid_category(&v, "c"), 2, "c is category 2");
	is_int(alerts_valid_category(&v, "zz"), -1, "zz is none");
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
