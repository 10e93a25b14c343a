//! The commented sample configuration `echo_supervisord_conf` prints. It
//! names every section and option rsupervisor (and supervisord 4.3.0)
//! understands; lines starting with `;` are switched off. Comments after a
//! value need whitespace before the `;`, as in any supervisord.conf.

pub const SAMPLE: &str = r##"; Sample rsupervisor configuration (compatible with supervisord 4.3.0).
;
; Sections are in [brackets]; options are "name=value". A line starting
; with ";" or "#" is a comment, and so is the rest of a line after " ;".
; Remove the leading ";" of a line to turn that section or option on. Values
; may use %(here)s (the directory of this file) and %(ENV_NAME)s (a variable
; of the environment supervisord was started with); program sections may
; also use %(program_name)s, %(group_name)s, %(process_num)d,
; %(numprocs)d and %(host_node_name)s. Write %% for a literal percent sign.

[unix_http_server]
file=/tmp/supervisor.sock       ; where the control socket is created
;chmod=0700                     ; permission bits for the socket (octal)
;chown=nobody:nogroup           ; owner (and group) for the socket
;username=user                  ; require this user name from clients
;password=123                   ; ...and this password (or {SHA}<hex digest>)

;[inet_http_server]             ; an HTTP control port (off unless uncommented)
;port=127.0.0.1:9001            ; host:port to listen on; *:port means every interface
;username=user                  ; require this user name from clients
;password=123                   ; ...and this password (or {SHA}<hex digest>)

[supervisord]
logfile=/tmp/supervisord.log    ; the daemon's own log (relative paths start in the working directory)
logfile_maxbytes=50MB           ; rotate the log at this size; 0 never rotates
logfile_backups=10              ; how many rotated logs to keep; 0 keeps none
loglevel=info                   ; critical, error, warn, info, debug, trace or blather
pidfile=/tmp/supervisord.pid    ; the file the daemon writes its pid to
nodaemon=false                  ; true keeps supervisord in the foreground
silent=false                    ; true stops the log copy on stdout in the foreground
minfds=1024                     ; open files needed to start; the soft limit is raised if it can be
minprocs=200                    ; processes needed to start; the soft limit is raised if it can be
;umask=022                      ; the daemon's umask (octal)
;user=nobody                    ; switch to this user after start (when started as root)
;identifier=supervisor          ; the name RPC clients see for this instance
;directory=/tmp                 ; change to this directory when daemonizing
;nocleanup=true                 ; keep old AUTO child logs at start
;childlogdir=/tmp               ; where AUTO child logs are created
;environment=KEY="value"        ; variables added to every child's environment
;strip_ansi=false               ; true removes ANSI escape sequences from child logs

; The XML-RPC interface supervisorctl and the web page use. Keep it.
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix:///tmp/supervisor.sock ; use unix:// for a socket file, http:// for a port
;username=chris                 ; the user name to send (the server's username)
;password=123                   ; the password to send (as plain text)
;prompt=mysupervisor            ; the interactive prompt
;history_file=~/.sc_history     ; keep command history in this file

; A program: one process, or numprocs copies of it.
;[program:theprogramname]
;command=/bin/cat               ; what to run (arguments allowed; required)
;process_name=%(program_name)s_%(process_num)02d ; process names; must use process_num when numprocs > 1
;numprocs=1                     ; how many copies to run
;numprocs_start=0               ; the first process_num
;directory=/tmp                 ; change to this directory before running
;umask=022                      ; the process's umask (octal; default: inherit)
;priority=999                   ; lower numbers start first and stop last
;autostart=true                 ; start it when supervisord starts
;startsecs=1                    ; it must stay up this many seconds to count as started
;startretries=3                 ; failed starts to retry before giving up (FATAL)
;autorestart=unexpected         ; restart when it exits: false, unexpected or true
;exitcodes=0                    ; exit codes that are expected (for autorestart=unexpected)
;stopsignal=TERM                ; the signal that asks it to stop: TERM, HUP, INT, QUIT, KILL, USR1 or USR2
;stopwaitsecs=10                ; seconds to wait after stopsignal before SIGKILL
;stopasgroup=false              ; send stopsignal to its whole process group
;killasgroup=false              ; send SIGKILL to its whole process group
;user=nobody                    ; run it as this user (supervisord must be root)
;redirect_stderr=false          ; true sends its stderr into its stdout log
;stdout_logfile=/tmp/program.out ; where stdout goes: a path, AUTO (in childlogdir) or NONE
;stdout_logfile_maxbytes=1MB    ; rotate at this size; 0 never rotates
;stdout_logfile_backups=10      ; rotated logs to keep; 0 keeps none
;stdout_capture_maxbytes=1MB    ; bytes kept while in capture mode (for events); 0 turns capture off
;stdout_events_enabled=false    ; emit PROCESS_LOG_STDOUT events for each write
;stdout_syslog=false            ; also send stdout to syslog, tagged with the process name
;stderr_logfile=/tmp/program.err ; where stderr goes: a path, AUTO (in childlogdir) or NONE
;stderr_logfile_maxbytes=1MB    ; rotate at this size; 0 never rotates
;stderr_logfile_backups=10      ; rotated logs to keep; 0 keeps none
;stderr_capture_maxbytes=1MB    ; bytes kept while in capture mode (for events); 0 turns capture off
;stderr_events_enabled=false    ; emit PROCESS_LOG_STDERR events for each write
;stderr_syslog=false            ; also send stderr to syslog, tagged with the process name
;environment=A="1",B="2"        ; variables to add to its environment
;serverurl=AUTO                 ; SUPERVISOR_SERVER_URL for it; AUTO means this supervisord

; An event listener pool: processes that receive events on stdin and answer
; on stdout. It takes the program options above except redirect_stderr.
;[eventlistener:theeventlistenername]
;command=/bin/eventlistener     ; what to run (arguments allowed; required)
;process_name=%(program_name)s_%(process_num)02d ; process names; must use process_num when numprocs > 1
;numprocs=1                     ; how many listeners in the pool
;events=PROCESS_STATE           ; event types to receive, comma separated (required)
;buffer_size=10                 ; events queued for the pool before the oldest is dropped
;result_handler=supervisor.dispatchers:default_handler ; how answers are read (only the default is supported)
;directory=/tmp                 ; change to this directory before running
;umask=022                      ; the process's umask (octal; default: inherit)
;priority=-1                    ; lower numbers start first and stop last
;autostart=true                 ; start it when supervisord starts
;startsecs=1                    ; it must stay up this many seconds to count as started
;startretries=3                 ; failed starts to retry before giving up (FATAL)
;autorestart=unexpected         ; restart when it exits: false, unexpected or true
;exitcodes=0                    ; exit codes that are expected (for autorestart=unexpected)
;stopsignal=QUIT                ; the signal that asks it to stop
;stopwaitsecs=10                ; seconds to wait after stopsignal before SIGKILL
;stopasgroup=false              ; send stopsignal to its whole process group
;killasgroup=false              ; send SIGKILL to its whole process group
;user=nobody                    ; run it as this user (supervisord must be root)
;stdout_logfile=/tmp/listener.out ; stdout carries the protocol; NONE is usual
;stdout_logfile_maxbytes=1MB    ; rotate at this size; 0 never rotates
;stdout_logfile_backups=10      ; rotated logs to keep; 0 keeps none
;stdout_events_enabled=false    ; emit PROCESS_LOG_STDOUT events
;stdout_syslog=false            ; also send stdout to syslog
;stderr_logfile=/tmp/listener.err ; where stderr goes: a path, AUTO or NONE
;stderr_logfile_maxbytes=1MB    ; rotate at this size; 0 never rotates
;stderr_logfile_backups=10      ; rotated logs to keep; 0 keeps none
;stderr_events_enabled=false    ; emit PROCESS_LOG_STDERR events
;stderr_syslog=false            ; also send stderr to syslog
;environment=A="1",B="2"        ; variables to add to its environment
;serverurl=AUTO                 ; SUPERVISOR_SERVER_URL for it; AUTO means this supervisord

; A FastCGI program: supervisord opens the socket and hands it to every
; process as its stdin. It takes the program options above.
;[fcgi-program:thefcgiprogramname]
;command=/usr/bin/php-cgi       ; what to run (arguments allowed; required)
;socket=unix:///tmp/%(program_name)s.sock ; tcp://host:port or unix:///absolute/path (required)
;socket_backlog=128             ; listen() backlog (1 to 65535)
;socket_owner=nobody:nogroup    ; owner of a unix socket file
;socket_mode=0700               ; permission bits of a unix socket file (octal)
;process_name=%(program_name)s_%(process_num)02d ; process names; must use process_num when numprocs > 1
;numprocs=1                     ; how many processes share the socket
;numprocs_start=0               ; the first process_num
;directory=/tmp                 ; change to this directory before running
;priority=999                   ; lower numbers start first and stop last
;autostart=true                 ; start it when supervisord starts
;startsecs=1                    ; it must stay up this many seconds to count as started
;startretries=3                 ; failed starts to retry before giving up (FATAL)
;autorestart=unexpected         ; restart when it exits: false, unexpected or true
;exitcodes=0                    ; exit codes that are expected (for autorestart=unexpected)
;stopsignal=QUIT                ; the signal that asks it to stop
;stopwaitsecs=10                ; seconds to wait after stopsignal before SIGKILL
;stopasgroup=false              ; send stopsignal to its whole process group
;killasgroup=false              ; send SIGKILL to its whole process group
;redirect_stderr=true           ; true sends its stderr into its stdout log
;stdout_logfile=/tmp/fcgi.out   ; where stdout goes: a path, AUTO or NONE
;stdout_logfile_maxbytes=1MB    ; rotate at this size; 0 never rotates
;stdout_logfile_backups=10      ; rotated logs to keep; 0 keeps none
;stderr_logfile=/tmp/fcgi.err   ; ignored here because redirect_stderr is true
;environment=A="1",B="2"        ; variables to add to its environment

; A group: several programs managed (started, stopped, updated) together.
;[group:thegroupname]
;programs=theprogramname        ; program or fcgi-program names, comma separated
;priority=999                   ; lower numbers start first and stop last

; More config files to read, e.g. one per program. Patterns are relative to
; this file; several may be given, separated by spaces.
;[include]
;files=conf.d/*.conf
"##;
