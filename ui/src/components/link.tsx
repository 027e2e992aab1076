// An in-app link under /ui/.
import type { ComponentChildren } from 'preact';
import { linkHandler } from '../route';

export function Link(p: { to: string; children: ComponentChildren; current?: boolean; class?: string }) {
  return (
    <a href={p.to} onClick={linkHandler(p.to)} aria-current={p.current ? 'page' : undefined} class={p.class}>
      {p.children}
    </a>
  );
}
