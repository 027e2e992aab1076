// Client-side routes under /ui/: the path picks the page, the query string holds its filters.
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  readonly page: string;
  readonly params: URLSearchParams;
}

function current(): Route {
  const page = location.pathname.replace(/^\/ui\/?/, '').split('/')[0] ?? '';
  return { page, params: new URLSearchParams(location.search) };
}

const listeners = new Set<() => void>();

export function navigate(to: string): void {
  history.pushState(null, '', to);
  for (const l of listeners) l();
}

export function useRoute(): Route {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const update = (): void => setRoute(current());
    listeners.add(update);
    addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      removeEventListener('popstate', update);
    };
  }, []);
  return route;
}

/** Link that navigates without a page load (and still works as a plain link). */
export function linkHandler(to: string) {
  return (e: MouseEvent): void => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
}
