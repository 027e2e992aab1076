// A modal dialog on the native <dialog> element: focus moves in, Escape closes, focus returns after.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

export function Dialog(p: { title: string; open: boolean; onClose: () => void; children: ComponentChildren }) {
  const ref = useRef<HTMLDialogElement>(null);
  // A close the page asked for (open became false) is not the user's: only theirs calls onClose.
  const closing = useRef(false);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (p.open && !d.open) d.showModal();
    if (!p.open && d.open) {
      closing.current = true;
      d.close();
    }
  }, [p.open]);
  const onClose = (): void => {
    if (closing.current) {
      closing.current = false;
      return;
    }
    p.onClose();
  };
  return (
    <dialog ref={ref} aria-label={p.title} onClose={onClose}>
      <h2>{p.title}</h2>
      {p.open ? p.children : null}
    </dialog>
  );
}
