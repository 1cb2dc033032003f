/**
 * Timonel's RuntimeDefault seccomp profile, as data: a denylist over a default of ALLOW.
 * Each group of syscalls fails with EPERM unless the container holds one of `unlessCaps`
 * (the capability that makes the call legitimate, as Docker's profile conditions them), so
 * adding CAP_SYS_ADMIN to a container also lets it mount and unshare, and CAP_SYS_PTRACE lets
 * it ptrace. Groups without `unlessCaps` stay denied whatever the capabilities (kexec, kernel
 * keyrings, swap, ...): no container should need them.
 *
 * `clone` is denied only with namespace-creating flags (one rule per flag bit: the rules of a
 * syscall are OR'ed), and `clone3`, whose flags live in memory a filter cannot read, answers
 * ENOSYS so that libc falls back to `clone`, where the flags can be checked.
 */

export interface DeniedGroup {
  /** Why these are denied, for readers of the profile. */
  why: string;
  names: string[];
  /** The call is allowed when the container holds any of these capabilities. */
  unlessCaps?: string[];
  /** Default EPERM. */
  errno?: number;
}

export const EPERM = 1;
export const ENOSYS = 38;

export const deniedSyscalls: DeniedGroup[] = [
  { why: "loading another kernel", names: ["kexec_load", "kexec_file_load"] },
  { why: "kernel modules", names: ["init_module", "finit_module", "delete_module", "create_module", "get_kernel_syms", "query_module"], unlessCaps: ["CAP_SYS_MODULE"] },
  { why: "file handles bypass path-based access checks", names: ["open_by_handle_at"], unlessCaps: ["CAP_DAC_READ_SEARCH"] },
  { why: "kernel programs and tracing", names: ["bpf"], unlessCaps: ["CAP_SYS_ADMIN", "CAP_BPF"] },
  { why: "performance counters expose the host", names: ["perf_event_open"], unlessCaps: ["CAP_SYS_ADMIN", "CAP_PERFMON"] },
  { why: "rebooting the host", names: ["reboot"], unlessCaps: ["CAP_SYS_BOOT"] },
  { why: "host swap", names: ["swapon", "swapoff"] },
  { why: "process accounting", names: ["acct"], unlessCaps: ["CAP_SYS_PACCT"] },
  { why: "the host clock", names: ["settimeofday", "stime", "clock_settime", "clock_settime64", "clock_adjtime", "clock_adjtime64", "adjtimex"], unlessCaps: ["CAP_SYS_TIME"] },
  { why: "kernel keyrings are not namespaced", names: ["add_key", "keyctl", "request_key"] },
  { why: "userfaultfd widens kernel exploit windows", names: ["userfaultfd"], unlessCaps: ["CAP_SYS_PTRACE"] },
  { why: "obsolete or host-wide", names: ["lookup_dcookie", "quotactl", "quotactl_fd", "nfsservctl", "uselib"], unlessCaps: ["CAP_SYS_ADMIN"] },
  { why: "raw I/O ports", names: ["iopl", "ioperm"], unlessCaps: ["CAP_SYS_RAWIO"] },
  { why: "virtual 8086 mode", names: ["vm86", "vm86old"] },
  { why: "the kernel log", names: ["syslog"], unlessCaps: ["CAP_SYS_ADMIN", "CAP_SYSLOG"] },
  { why: "host-wide file access notification", names: ["fanotify_init"], unlessCaps: ["CAP_SYS_ADMIN"] },
  {
    why: "mounts and namespaces",
    names: [
      "name_to_handle_at", "pivot_root", "mount", "umount", "umount2", "unshare", "setns",
      "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree", "mount_setattr",
    ],
    unlessCaps: ["CAP_SYS_ADMIN"],
  },
  { why: "tracing and reading other processes", names: ["ptrace", "process_vm_readv", "process_vm_writev", "kcmp"], unlessCaps: ["CAP_SYS_PTRACE"] },
];

/** CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET. */
export const cloneNamespaceFlags = [0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000];

/** Namespace-creating clone (and clone3) are allowed with this capability. */
export const cloneNamespaceCap = "CAP_SYS_ADMIN";

/** The seccomp architectures a filter covers, by Node's process.arch: the native one and its compat ABIs. */
export const seccompArchitectures: Record<string, string[]> = {
  x64: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
  ia32: ["SCMP_ARCH_X86"],
  arm64: ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"],
  arm: ["SCMP_ARCH_ARM"],
};
