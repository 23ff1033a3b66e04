#!/bin/sh -e
# A "#!" script with an interpreter argument (issue 5: execve runs the interpreter).
echo "script: $# args: $*"
cd /usr
exec /bin/sh -c 'echo "exec from a script in $PWD"; exit 5'
