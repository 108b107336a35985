// The page's only style sheet, inline: the page loads nothing from anywhere. Its hash is what the page's
// Content-Security-Policy allows, so no other style (one smuggled in by a prompt, were escaping ever to fail) runs.
export const PAGE_STYLE = `
:root { color-scheme: light dark; --card: #fff; --line: #d8d8dc; --dim: #666; --page: #f3f3f5; --mark: #ffe28a; }
@media (prefers-color-scheme: dark) {
  :root { --card: #1e1f22; --line: #3a3b40; --dim: #a0a0a8; --page: #141518; --mark: #6b5200; }
}
* { box-sizing: border-box; }
body { margin: 0; padding: 1.5rem; background: var(--page); font: 15px/1.45 system-ui, sans-serif; }
header h1 { margin: 0 0 .25rem; font-size: 1.4rem; }
header p, .batch { margin: 0; color: var(--dim); font-size: .85rem; }
main { display: grid; gap: 1.5rem; margin-top: 1.25rem; }
.group { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 1rem; }
.prompt { margin: 0 0 .2rem; font-size: 1rem; font-weight: 600; white-space: pre-wrap; overflow-wrap: anywhere; }
.takes { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 320px)); gap: 1rem; margin-top: .75rem; }
.clip { border: 1px solid var(--line); border-radius: 8px; overflow: hidden; display: flex; flex-direction: column; }
.clip video, .clip .absent { width: 100%; aspect-ratio: 16 / 9; background: #000; display: block; }
.clip.ar-9x16 video, .clip.ar-9x16 .absent { aspect-ratio: 9 / 16; max-height: 360px; object-fit: contain; }
.clip.ar-1x1 video, .clip.ar-1x1 .absent { aspect-ratio: 1 / 1; }
.clip .absent { display: flex; align-items: center; justify-content: center; text-align: center; padding: 1rem;
  color: #eee; background: repeating-linear-gradient(45deg, #2b2c30, #2b2c30 10px, #323338 10px, #323338 20px); }
.facts { margin: 0; padding: .6rem .75rem; display: grid; grid-template-columns: auto 1fr; gap: .1rem .6rem;
  font-size: .85rem; }
.facts dt { color: var(--dim); }
.facts dd { margin: 0; overflow-wrap: anywhere; }
.own-prompt { white-space: pre-wrap; }
.status { font-weight: 600; }
.state-saved .status { color: #1a7f37; }
.state-failed .status, .state-expired .status, .state-missing .status { color: #c62828; }
.state-unsaved .status, .state-running .status { color: #b26a00; }
.choice { display: inline-block; padding: 0 .3rem; margin: 0 .2rem .1rem 0; border: 1px solid var(--line);
  border-radius: 4px; }
.choice.differs { background: var(--mark); font-weight: 600; }
code.cmd { display: block; margin: 0 .75rem .75rem; padding: .35rem .5rem; border: 1px solid var(--line);
  border-radius: 6px; font: .8rem ui-monospace, monospace; user-select: all; -webkit-user-select: all;
  white-space: pre-wrap; overflow-wrap: anywhere; cursor: text; }
.hidden-char { font: .75em ui-monospace, monospace; color: #c62828; border: 1px dotted currentColor; }
.absent p { margin: 0; }
.empty { color: var(--dim); }
`;
