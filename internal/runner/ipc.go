package runner

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"syscall"
)

const ipcRMID = 0 // IPC_RMID in linux/ipc.h

// sysvTables are the SysV IPC object lists of the runner's IPC namespace,
// with the call that removes one object.
var sysvTables = []struct {
	kind, file string
	rm         func(id int) syscall.Errno
}{
	{"shm", "/proc/sysvipc/shm", func(id int) syscall.Errno {
		_, _, e := syscall.Syscall(syscall.SYS_SHMCTL, uintptr(id), ipcRMID, 0)
		return e
	}},
	{"msg", "/proc/sysvipc/msg", func(id int) syscall.Errno {
		_, _, e := syscall.Syscall(syscall.SYS_MSGCTL, uintptr(id), ipcRMID, 0)
		return e
	}},
	{"sem", "/proc/sysvipc/sem", func(id int) syscall.Errno {
		_, _, e := syscall.Syscall6(syscall.SYS_SEMCTL, uintptr(id), 0, ipcRMID, 0, 0, 0)
		return e
	}},
}

type sysvObject struct {
	kind string
	id   int
	rm   func(id int) syscall.Errno
}

// sysvObjects lists the SysV IPC objects that uid owns or created.
func sysvObjects(uid uint32) ([]sysvObject, error) {
	var objs []sysvObject
	for _, t := range sysvTables {
		b, err := os.ReadFile(t.file)
		if errors.Is(err, os.ErrNotExist) {
			continue // kernel without SysV IPC
		}
		if err != nil {
			return nil, fmt.Errorf("list %s objects: %w", t.kind, err)
		}
		ids, err := parseSysvipc(b, uid)
		if err != nil {
			return nil, fmt.Errorf("list %s objects: %w", t.kind, err)
		}
		for _, id := range ids {
			objs = append(objs, sysvObject{kind: t.kind, id: id, rm: t.rm})
		}
	}
	return objs, nil
}

// parseSysvipc returns the ids (second column) of the rows of a
// /proc/sysvipc table whose uid or cuid column is uid. The header row
// names the columns.
func parseSysvipc(b []byte, uid uint32) ([]int, error) {
	header, rows, _ := bytes.Cut(b, []byte{'\n'})
	cols := bytes.Fields(header)
	uidCol, cuidCol := -1, -1
	for i, c := range cols {
		switch string(c) {
		case "uid":
			uidCol = i
		case "cuid":
			cuidCol = i
		}
	}
	if uidCol < 0 || cuidCol < 0 || len(cols) < 2 {
		return nil, fmt.Errorf("parse header %q", header)
	}
	want := strconv.FormatUint(uint64(uid), 10)
	var ids []int
	for len(rows) > 0 {
		var row []byte
		row, rows, _ = bytes.Cut(rows, []byte{'\n'})
		f := bytes.Fields(row)
		if len(f) == 0 {
			continue
		}
		if len(f) <= max(uidCol, cuidCol) {
			return nil, fmt.Errorf("parse row %q", row)
		}
		if string(f[uidCol]) != want && string(f[cuidCol]) != want {
			continue
		}
		id, err := strconv.Atoi(string(f[1]))
		if err != nil {
			return nil, fmt.Errorf("parse row %q: %w", row, err)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// removeSysvIPC removes every SysV IPC object of uid. It acts as uid: the
// runner lacks CAP_IPC_OWNER, and the owner or creator may always remove.
func removeSysvIPC(uid uint32) error {
	objs, err := sysvObjects(uid)
	if err != nil || len(objs) == 0 {
		return err
	}
	var errs []error
	err = asUID(uid, func() error {
		for _, o := range objs {
			if e := o.rm(o.id); e != 0 && e != syscall.EINVAL && e != syscall.EIDRM {
				errs = append(errs, fmt.Errorf("remove %s %d: %w", o.kind, o.id, e))
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("remove SysV IPC objects of uid %d: %w", uid, err)
	}
	left, err := sysvObjects(uid)
	if err == nil && len(left) > 0 {
		err = fmt.Errorf("%d SysV IPC objects of uid %d remain", len(left), uid)
	}
	return errors.Join(append(errs, err)...)
}
