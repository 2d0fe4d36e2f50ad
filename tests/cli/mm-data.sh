# mm-data.sh - sourced by multimodal.sh and explain.sh: cases.csv, 450
# labeled cases and 2 without a label, whose category shows only in the
# narrative (a text field): one of four phrases per class among filler
# words common to all classes.  The numeric field a and the district are
# noise.  awk with the Park-Miller generator: the same file everywhere.
awk '
function rnd() { seed = (16807 * seed) % 2147483647; return seed / 2147483647 }
BEGIN {
	seed = 4242
	split("撬锁入室|翻窗进入|盗走财物|窃取手机", K1, "|")
	split("冒充客服|诱导转账|虚假投资|网络刷单", K2, "|")
	split("持棍殴打|拳脚相加|致人受伤|持刀砍伤", K3, "|")
	split("报警人|称|于|某日|在|家中|小区|街道|发现|民警|到场|处置|经查|当日|晚间|上午|附近|一名|男子|女子", F, "|")
	split("assault,burglary,fraud", L, ",")
	print "case_id,a,district,narrative,category" > "cases.csv"
	for (i = 1; i <= 450; i++) {
		c = 1 + int(rnd() * 3)
		t = ""
		for (j = 0; j < 6; j++) t = t F[1 + int(rnd() * 20)]
		k = 1 + int(rnd() * 4)
		t = t (c == 1 ? K3[k] : c == 2 ? K1[k] : K2[k])
		for (j = 0; j < 4; j++) t = t F[1 + int(rnd() * 20)]
		printf "K%04d,%.4f,%s,%s,%s\n", i, rnd(), (rnd() < 0.5 ? "north" : "south"), t, L[c] > "cases.csv"
	}
	print "K9001,0.5,north,经查一名男子撬锁入室盗走财物," > "cases.csv"
	print "K9002,0.5,south,民警到场冒充客服诱导转账," > "cases.csv"
}' </dev/null
