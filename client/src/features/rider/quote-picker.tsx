// "Ride options": one choice per class with its price, drivers nearby and
// pickup ETA ("No drivers nearby" when nobody would be offered the trip),
// surge when the price is surged, and the chosen class's fare breakdown.

import { useId } from 'react';
import { FareBreakdown } from './fare-breakdown.tsx';
import { formatMoney } from '../../lib/money-format.ts';
import { availabilityText, classLabel, pickQuote, sortQuotes, surgeText } from './quote-choice.ts';
import type { QuotesState } from './use-quotes.ts';

export interface QuotePickerProps {
  quotes: QuotesState;
  chosenClass: string | null;
  onChoose: (cls: string) => void;
  /** Said above the list, e.g. that the prices were renewed. */
  notice?: string | null;
}

export function QuotePicker({ quotes, chosenClass, onChoose, notice }: QuotePickerProps) {
  const id = useId();
  if (quotes.status === 'idle') {
    return <p className="muted quote-hint">Set the pickup and the dropoff to see prices.</p>;
  }
  const chosen = pickQuote(quotes.quotes, chosenClass);
  return (
    <section className="quotes" aria-label="Ride options" aria-busy={quotes.status === 'loading'}>
      {notice && (
        <p role="status" className="quotes__notice">
          {notice}
        </p>
      )}
      {quotes.status === 'loading' && <p className="muted">Getting prices…</p>}
      {quotes.status === 'failed' && (
        <div className="error-box">
          <p role="alert">{quotes.error}</p>
          <button type="button" onClick={quotes.refresh}>
            Retry prices
          </button>
        </div>
      )}
      {quotes.status === 'ready' && quotes.quotes.length === 0 && <p className="muted">No ride class is offered.</p>}
      {quotes.status === 'ready' && quotes.quotes.length > 0 && (
        <>
          <div role="radiogroup" aria-label="Ride class" className="quotes__list">
            {sortQuotes(quotes.quotes).map((quote) => {
              const surge = surgeText(quote.fare);
              const checked = chosen?.class === quote.class;
              return (
                <label key={quote.class} className={`quote${checked ? ' quote--chosen' : ''}`}>
                  <input
                    type="radio"
                    name={`${id}-class`}
                    value={quote.class}
                    checked={checked}
                    onChange={() => onChoose(quote.class)}
                    aria-describedby={`${id}-${quote.class}-info`}
                  />
                  <span className="quote__class">{classLabel(quote.class)}</span>
                  <span className="quote__price">{formatMoney(quote.fare.total, quote.fare.currency)}</span>
                  <span
                    id={`${id}-${quote.class}-info`}
                    className={`quote__info${quote.drivers_nearby === 0 ? ' quote__info--none' : ''}`}
                  >
                    {availabilityText(quote)}
                    {surge !== null && <span className="quote__surge"> · {surge}</span>}
                  </span>
                </label>
              );
            })}
          </div>
          {chosen !== null && chosen.drivers_nearby === 0 && (
            <p className="warning" role="status">
              No drivers nearby for {classLabel(chosen.class)} right now: a request may find nobody.
            </p>
          )}
          {chosen !== null && (
            <details className="quotes__details" open>
              <summary>Fare estimate</summary>
              <FareBreakdown fare={chosen.fare} label="Fare estimate" />
            </details>
          )}
        </>
      )}
    </section>
  );
}
