#!/bin/sh
# make run: creates var/ with a config and a demo database on first use,
# prints what to try, and serves on 127.0.0.1:8080.
set -eu
bin=${1:-build/fangfei}
mkdir -p var
[ -f var/fangfei.ini ] || cp etc/fangfei.example.ini var/fangfei.ini
export FANGFEI_CONFIG=var/fangfei.ini
if [ ! -f var/fangfei.db ]; then
	"$bin" migrate >/dev/null
	"$bin" import areas data/demo/areas.csv
	"$bin" import enterprises data/demo/enterprises.csv
	"$bin" letter add --title "致广大居民的一封公开信" \
	    --issuer "张店区处非办（示例）" --date 2026-06-15 --area 张店区 \
	    data/demo/letter.md
	"$bin" letter codes --id 1 --area 张店区 --place 电梯厅
	# The publicity calendar and Monday's patrol reminder.
	"$bin" reminder calendar install --area 张店区 >/dev/null
	# The token is a secret: readable by its owner only.
	(umask 077 && "$bin" token create --role office --area 张店区 \
	    > var/demo-token)
	chmod 600 var/demo-token
	echo "API token (office, 张店区) in var/demo-token"
fi
code=$(sqlite3 var/fangfei.db "SELECT code FROM letter_codes LIMIT 1" 2>/dev/null || true)
# A print link is signed and lives server.print_link_hours (12 h).
print=$("$bin" letter print-link --id 1 --area 张店区 2>/dev/null || true)
listen=$(sed -n 's/^listen *= *//p' var/fangfei.ini | head -n 1)
# The demo office's member (made once, also in an older var/), and a
# one-time sign-in link for them (ten minutes).
office=$(sqlite3 var/fangfei.db "SELECT id FROM staff WHERE name = '演示处非办' AND active = 1" 2>/dev/null || true)
if [ -z "$office" ]; then
	"$bin" staff add --name 演示处非办 --role office --area 张店区 >/dev/null
	office=$(sqlite3 var/fangfei.db "SELECT id FROM staff WHERE name = '演示处非办' AND active = 1" 2>/dev/null || true)
fi
login=$("$bin" staff login-link --id "$office" 2>/dev/null || true)
base="http://${FANGFEI_LISTEN:-${listen:-127.0.0.1:8080}}"
cat <<TXT

防非 fangfei 演示 demo — 在另一个终端试试 try these in another terminal:

  # 查询企业 check a company (demo data is named 示例)
  curl -s $base/hook/demo -H 'Content-Type: application/json' \\
    -d '{"chat_id":"g1","chat_type":"group","sender_id":"u1","sender_name":"小王","text":"查询 鑫源财富","message_id":"m1"}'

  # 按信用代码 by credit code; a wrong check digit is pointed out
  curl -s $base/hook/demo -H 'Content-Type: application/json' \\
    -d '{"chat_id":"u1","sender_id":"u1","text":"/check 91370303MA3C01001E","message_id":"m2"}'

  # 举报 report a tip, then follow it
  curl -s $base/hook/demo -H 'Content-Type: application/json' \\
    -d '{"chat_id":"u1","sender_id":"u1","text":"举报 小区门口有人推销保本高息理财","message_id":"m3"}'
  curl -s $base/hook/demo -H 'Content-Type: application/json' \\
    -d '{"chat_id":"u1","sender_id":"u1","text":"进度 JB-…","message_id":"m4"}'

  # 帮助 help, in English
  curl -s $base/hook/demo-en -H 'Content-Type: application/json' \\
    -d '{"chat_id":"u2","sender_id":"u2","text":"/help","message_id":"m5"}'

  # Telegram
  curl -s $base/hook/tg -H 'X-Telegram-Bot-Api-Secret-Token: demo-secret-token' \\
    -H 'Content-Type: application/json' \\
    -d '{"update_id":1,"message":{"message_id":7,"from":{"id":42,"first_name":"Li"},"chat":{"id":42,"type":"private"},"date":1763750000,"text":"/check 汇金通"}}'

  # 练习聊天 the chat simulator (open in a browser on this machine)
  $base/try

  # 一封公开信 the open letter behind a poster's QR code (open in a browser)
  $base/l/$code          二维码 QR: $base/qr/$code.png
  海报 posters: $print
               (fangfei letter print-link --id 1 --area 张店区 makes a new one)
  触达 reach:   curl -s -H "Authorization: Bearer \$(cat var/demo-token)" $base/api/v1/letters/1/stats

  # 工作台 the web console (open in a browser; the link works once, for ten
  # minutes — make a new one with: $bin staff login-link --id $office)
  $base/admin
  登录 sign in: $login

  curl -s $base/healthz; curl -s $base/metrics
  命令行 CLI: $bin check 鑫源 --db var/fangfei.db

Ctrl-C 停止 stops the server.
TXT
exec "$bin" serve
