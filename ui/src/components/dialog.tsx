// A modal dialog on the native <dialog> element: focus moves in, Escape closes, focus returns after.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

export function Dialog(p: { title: string; open: boolean; onClose: () => void; children: ComponentChildren }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (p.open && !d.open) d.showModal();
    if (!p.open && d.open) d.close();
  }, [p.open]);
  return (
    <dialog ref={ref} aria-label={p.title} onClose={p.onClose} onCancel={p.onClose}>
      <h2>{p.title}</h2>
      {p.open ? p.children : null}
    </dialog>
  );
}
