# po-tr.py PO MSGID...: the catalogue's translation of each msgid, one a
# line (the msgid itself when it has none, as gettext does).  Read straight
# from the .po text, independently of the program's gettext calls.
import re, sys
po = open(sys.argv[1], encoding="utf-8").read()
def unq(s):
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', s)).encode().decode("unicode_escape").encode("latin-1").decode("utf-8")
tr = {}
for m in re.finditer(r'^msgid ((?:".*"\n)+)msgstr ((?:".*"\n)+)', po, re.M):
    tr[unq(m.group(1))] = unq(m.group(2))
for k in sys.argv[2:]:
    print(tr.get(k) or k)
