// `chat completions bash|zsh|fish`: shell completion scripts written from
// the command and flag tables, so every flag completes, and nothing else.
import { COMMANDS, SHELLS } from "./commands.ts";
import type { FlagSpec } from "./flags.ts";

/** A shell `chat completions` knows. */
export type Shell = typeof SHELLS[number];

/** What a flag's value completes to. */
type ValueKind = "none" | "file" | "dir" | "choices" | "any";

function valueKind(f: FlagSpec): ValueKind {
  if (f.arg === "") return "none";
  if (f.choices) return "choices";
  if (f.arg === "DIR") return "dir";
  if (f.arg === "FILE" || f.arg === "PATH") return "file";
  return "any";
}

const TOP = [...COMMANDS.map((c) => c.name), "--help", "--version"];

function bash(): string {
  const cases = COMMANDS.map((c) => {
    const byKind = (k: ValueKind) => c.flags.filter((f) => valueKind(f) === k);
    const alt = (fs: FlagSpec[]) => fs.map((f) => `--${f.name}`).join("|");
    const lines = [`    ${c.name})`];
    if (c.words) {
      lines.push(
        `      [ "$COMP_CWORD" -eq 2 ] && COMPREPLY=($(compgen -W "${
          c.words.join(" ")
        }" -- "$cur"))`,
        "      return 0",
        "      ;;",
      );
      return lines.join("\n");
    }
    const prev: string[] = [];
    if (byKind("file").length) {
      prev.push(`        ${alt(byKind("file"))}) COMPREPLY=($(compgen -f -- "$cur")); return 0 ;;`);
    }
    if (byKind("dir").length) {
      prev.push(`        ${alt(byKind("dir"))}) COMPREPLY=($(compgen -d -- "$cur")); return 0 ;;`);
    }
    for (const f of byKind("choices")) {
      prev.push(
        `        --${f.name}) COMPREPLY=($(compgen -W "${
          f.choices!.join(" ")
        }" -- "$cur")); return 0 ;;`,
      );
    }
    if (byKind("any").length) prev.push(`        ${alt(byKind("any"))}) return 0 ;;`);
    if (prev.length) lines.push('      case "$prev" in', ...prev, "      esac");
    const words = [...c.flags.map((f) => `--${f.name}`), ...(c.flags.length ? ["--help"] : [])];
    lines.push(`      COMPREPLY=($(compgen -W "${words.join(" ")}" -- "$cur"))`, "      ;;");
    return lines.join("\n");
  });
  return [
    "# bash completion for chat (chat completions bash); source it, or put it in",
    "# ~/.local/share/bash-completion/completions/chat",
    "_chat() {",
    '  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"',
    "  COMPREPLY=()",
    '  if [ "$COMP_CWORD" -le 1 ]; then',
    `    COMPREPLY=($(compgen -W "${TOP.join(" ")}" -- "$cur"))`,
    "    return 0",
    "  fi",
    '  case "${COMP_WORDS[1]}" in',
    ...cases,
    "  esac",
    "}",
    "complete -F _chat chat",
    "",
  ].join("\n");
}

/** Text inside a single-quoted zsh/fish word, and inside _arguments' brackets. */
function zq(text: string): string {
  return text.replace(/([[\]:\\])/g, "\\$1").replace(/'/g, `'\\''`);
}

function zsh(): string {
  const cases = COMMANDS.map((c) => {
    if (c.words) return `    ${c.name}) _values 'shell' ${c.words.join(" ")} ;;`;
    const specs = c.flags.map((f) => {
      const kind = valueKind(f);
      const action = kind === "none"
        ? ""
        : `:${zq(f.arg)}:${
          kind === "file"
            ? "_files"
            : kind === "dir"
            ? "_files -/"
            : kind === "choices"
            ? `(${f.choices!.join(" ")})`
            : " "
        }`;
      return `      '${f.multiple ? "*" : ""}--${f.name}[${zq(f.help)}]${action}'`;
    });
    if (c.flags.length) specs.push("      '--help[show this help]'");
    return [`    ${c.name})`, "      _arguments -s \\", specs.join(" \\\n"), "      ;;"].join("\n");
  });
  return [
    "#compdef chat",
    "# zsh completion for chat (chat completions zsh); put it on $fpath as _chat",
    "_chat() {",
    "  local -a commands",
    "  commands=(",
    ...COMMANDS.map((c) => `    '${c.name}:${zq(c.summary)}'`),
    "  )",
    "  if (( CURRENT == 2 )); then",
    "    _describe 'command' commands",
    "    return",
    "  fi",
    "  local cmd=$words[2]",
    "  shift words",
    "  (( CURRENT-- ))",
    "  case $cmd in",
    ...cases,
    "  esac",
    "}",
    'if [ "$funcstack[1]" = "_chat" ]; then _chat "$@"; else compdef _chat chat; fi',
    "",
  ].join("\n");
}

function fq(text: string): string {
  return `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

function fish(): string {
  const out = [
    "# fish completion for chat (chat completions fish); put it in",
    "# ~/.config/fish/completions/chat.fish",
    "complete -c chat -f",
    ...COMMANDS.map((c) =>
      `complete -c chat -n __fish_use_subcommand -a ${c.name} -d ${fq(c.summary)}`
    ),
  ];
  for (const c of COMMANDS) {
    const when = `'__fish_seen_subcommand_from ${c.name}'`;
    if (c.words) out.push(`complete -c chat -n ${when} -a ${fq(c.words.join(" "))}`);
    for (const f of c.flags) {
      const kind = valueKind(f);
      const value = kind === "none"
        ? ""
        : kind === "file"
        ? " -r -F"
        : kind === "dir"
        ? ` -x -a '(__fish_complete_directories)'`
        : kind === "choices"
        ? ` -x -a ${fq(f.choices!.join(" "))}`
        : " -x";
      out.push(`complete -c chat -n ${when} -l ${f.name}${value} -d ${fq(f.help)}`);
    }
  }
  return out.join("\n") + "\n";
}

/** The completion script for `shell`. */
export function completionScript(shell: Shell): string {
  switch (shell) {
    case "bash":
      return bash();
    case "zsh":
      return zsh();
    case "fish":
      return fish();
  }
}
