# codetree test driver: runs a Python program and, only if it reaches its
# end without raising or exiting, prints the run's pass token as the last
# line of stdout. The token file is read and deleted before the program
# starts, so the program cannot find it on disk.
import os as _os
import runpy as _runpy
import sys as _sys
import traceback as _traceback


def _main():
    path = _os.environ.pop("CODETREE_TOKEN_FILE", None)
    token = None
    if path:
        with open(path) as f:
            token = f.read().strip()
        _os.remove(path)
    _sys.argv = _sys.argv[1:]
    prog = _sys.argv[0]
    _sys.path.insert(0, _os.path.dirname(_os.path.abspath(prog)))
    try:
        _runpy.run_path(prog, run_name="__main__")
    except SystemExit:
        raise
    except BaseException as e:
        # Show the program's own frames only, as if it had run directly.
        tb = e.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename != prog:
            tb = tb.tb_next
        _traceback.print_exception(type(e), e, tb)
        _sys.exit(1)
    if token is not None:
        _sys.stdout.write("\n" + token + "\n")
        _sys.stdout.flush()


_main()
