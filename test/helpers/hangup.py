# Runs a command on a pseudo-terminal and closes that terminal when told (a line on stdin), as a closed
# terminal window or a dropped ssh session does; prints the exit code and what the terminal showed, as JSON.
import os, pty, sys, json, select
argv = sys.argv[1:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
out = b''
# Read what the program shows until the parent says to hang up (a line on stdin).
while True:
    r, _, _ = select.select([fd, sys.stdin], [], [])
    if fd in r:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            chunk = b''
        out += chunk
    if sys.stdin in r:
        sys.stdin.readline()
        break
os.close(fd)  # the terminal goes away: the kernel sends SIGHUP to its session
_, status = os.waitpid(pid, 0)
code = os.waitstatus_to_exitcode(status)
print(json.dumps({"code": code, "shown": out.decode('utf8', 'replace')}))
