// Where toasts show: `aria-label="Notifications"`; events are role="status",
// errors role="alert", each with a close button.

import type { Toast } from './use-toasts.ts';

export interface ToastRegionProps {
  toasts: Toast[];
  onDismiss: (id: number) => void;
}

export function ToastRegion({ toasts, onDismiss }: ToastRegionProps) {
  return (
    <section className="toasts" aria-label="Notifications">
      {toasts.map((toast) => (
        <div key={toast.id} className={`toast toast--${toast.kind}`} role={toast.kind}>
          <span className="toast__text">{toast.text}</span>
          {/* The × is drawn by CSS so the toast's text is its message alone. */}
          <button type="button" className="toast__close" aria-label="Close" onClick={() => onDismiss(toast.id)} />
        </div>
      ))}
    </section>
  );
}
