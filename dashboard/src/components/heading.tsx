import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { useApp } from '../context';

/**
 * A page's h1. After a route change it takes the focus once it appears (a page may first show
 * "Loading…"), so keyboard and screen reader users land on the new page, not on the old link.
 */
export function PageHeading({ id, children }: { id?: string; children: ComponentChildren }) {
  const { focus } = useApp();
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (!focus.pending) return;
    focus.pending = false;
    ref.current?.focus();
  }, []);
  return (
    <h1 id={id} tabIndex={-1} ref={ref}>
      {children}
    </h1>
  );
}
