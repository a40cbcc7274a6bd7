import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '@lookalike/config';
import {
  LookalikeError,
  type Caller,
  type FeedbackCreateRequest,
  type FeedbackCreateResponse,
  type FeedbackEntry,
  type FeedbackListRequest,
  type FeedbackListResponse,
  type HardNegativesExportRequest,
  type HardNegativesExportResponse,
  requireCaller,
} from '@lookalike/contracts';
import { FEEDBACK_ACTIONS, type FeedbackAction, type FeedbackEntity } from '@lookalike/persistence';
import type { FeedbackConfig } from '../feedback.config';
import { FeedbackStoreRepository } from '../repositories/feedback-store.repository';
import { QualityLoopRepository } from '../repositories/quality-loop.repository';

const QUERY_ID = /^[0-9A-Za-z_-]{1,64}$/;

@Injectable()
export class FeedbackService {
  private readonly logger = new Logger(FeedbackService.name);

  constructor(
    private readonly store: FeedbackStoreRepository,
    private readonly loop: QualityLoopRepository,
    @Inject(APP_CONFIG) private readonly config: FeedbackConfig,
  ) {}

  /**
   * Stores the verdict with who (the caller) and when (now). A `duplicate` verdict on a search hit
   * becomes a dedup decision on the (query image, hit) pair; a `duplicate` without a pair or an
   * `anomaly` becomes an anomaly review of the image. Those go over the transport; a failure there
   * is logged and does not lose the feedback, which is already stored.
   */
  async create(req: FeedbackCreateRequest): Promise<FeedbackCreateResponse> {
    const caller = requireCaller(req.caller);
    if (!(FEEDBACK_ACTIONS as readonly string[]).includes(req.action)) {
      throw LookalikeError.invalid(`action must be one of ${FEEDBACK_ACTIONS.join(', ')}`);
    }
    if (req.queryId && !QUERY_ID.test(req.queryId)) throw LookalikeError.invalid('query_id is malformed');
    if (req.queryImageId && !req.queryId) throw LookalikeError.invalid('query_image_id needs query_id');
    for (const id of [req.imageId, req.queryImageId].filter(Boolean)) {
      if (!(await this.store.imageExists(caller.ownerUserId, id))) throw LookalikeError.notFound('image', id);
    }
    if (req.queryId && req.queryImageId)
      await this.store.rememberQuery(caller.ownerUserId, req.queryId, req.queryImageId);
    const entry = await this.store.record({
      ownerUserId: caller.ownerUserId,
      userId: caller.userId,
      imageId: req.imageId,
      action: req.action as FeedbackAction,
      note: req.note || null,
      queryId: req.queryId || null,
    });
    const queryImageId = req.queryId
      ? ((req.queryImageId ||
          (await this.store.queryImages(caller.ownerUserId, [req.queryId])).get(req.queryId)) ??
        '')
      : '';
    await this.forward(caller, entry, queryImageId);
    return { entry: this.toEntry(entry, queryImageId) };
  }

  async list(req: FeedbackListRequest): Promise<FeedbackListResponse> {
    const { ownerUserId } = requireCaller(req.caller);
    const page = await this.store.list(ownerUserId, {
      imageId: req.imageId || undefined,
      cursor: req.cursor || undefined,
      limit: req.limit || undefined,
    });
    const queries = await this.store.queryImages(ownerUserId, [
      ...new Set(page.items.map((f) => f.queryId).filter((q): q is string => !!q)),
    ]);
    return {
      entries: page.items.map((f) => this.toEntry(f, (f.queryId && queries.get(f.queryId)) || '')),
      nextCursor: page.nextCursor ?? '',
    };
  }

  /** Every `irrelevant` hit of a search whose query image is known: (query image, wrong hit) pairs. */
  async hardNegatives(req: HardNegativesExportRequest): Promise<HardNegativesExportResponse> {
    const { ownerUserId } = requireCaller(req.caller);
    const rows = await this.store.hardNegatives(ownerUserId, this.config.FEEDBACK_HARD_NEGATIVES_MAX);
    return {
      items: rows.map((r) => ({
        queryId: r.queryId,
        queryImageId: r.queryImageId,
        hitImageId: r.hitImageId,
        note: r.note,
        createdAt: r.createdAt.toISOString(),
      })),
    };
  }

  private async forward(caller: Caller, entry: FeedbackEntity, queryImageId: string): Promise<void> {
    const note = entry.note ?? `feedback ${entry.feedbackId}`;
    try {
      if (entry.action === 'duplicate' && queryImageId && queryImageId !== entry.imageId) {
        await this.loop.recordDuplicatePair(caller, queryImageId, entry.imageId);
      } else if (entry.action === 'duplicate' || entry.action === 'anomaly') {
        await this.loop.review(caller, entry.imageId, entry.action, note);
      }
    } catch (error) {
      this.logger.warn(`feedback ${entry.feedbackId} was stored but not forwarded: ${String(error)}`);
    }
  }

  private toEntry(f: FeedbackEntity, queryImageId: string): FeedbackEntry {
    return {
      feedbackId: f.feedbackId,
      imageId: f.imageId.trim(),
      action: f.action,
      note: f.note ?? '',
      queryId: f.queryId ?? '',
      userId: f.userId,
      createdAt: new Date(f.createdAt).toISOString(),
      queryImageId,
    };
  }
}
