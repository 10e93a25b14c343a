#!/bin/sh
# Stand-in for sendmail: appends the mail read on stdin to $1, then a separator.
cat >> "$1"
printf '\n----END OF MAIL----\n' >> "$1"
