#!/bin/sh
# A scripted child driven through its stdin (supervisor.sendProcessStdin):
#   say -> a stdout line, err -> a stderr line, cap -> a capture-mode block,
#   crash -> exit 3. Lines are longer than the capture tokens on purpose.
while read cmd; do
  case "$cmd" in
    say) echo "hello from talker, a line long enough to pass tokens" ;;
    err) echo "an error line from talker, long enough as well" >&2 ;;
    cap) printf '<!--XSUPERVISOR:BEGIN-->captured data<!--XSUPERVISOR:END-->\n' ;;
    crash) exit 3 ;;
  esac
done
