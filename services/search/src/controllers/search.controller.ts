import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  type ClusterSearchRequest,
  type ClusterSearchResponse,
  type JobRef,
  type MapRequest,
  type MapResponse,
  type SimilarSearchRequest,
  type SimilarSearchResponse,
  Subjects,
} from '@lookalike/contracts';
import { MapService } from '../map/map.service';
import { ClusterService } from '../services/cluster.service';
import { SearchService } from '../services/search.service';

// The bootstrap's global filter does not reach a hybrid (HTTP + transport) app's handlers in the
// distributed mode; bound here, typed errors keep their code there too.
@Controller()
export class SearchController {
  constructor(
    private readonly search: SearchService,
    private readonly clusters: ClusterService,
    private readonly maps: MapService,
  ) {}

  @MessagePattern(Subjects.SearchSimilar.name)
  similar(@Payload() req: SimilarSearchRequest): Promise<SimilarSearchResponse> {
    return this.search.similar(req);
  }

  @MessagePattern(Subjects.SearchCluster.name)
  cluster(@Payload() req: ClusterSearchRequest): Promise<ClusterSearchResponse> {
    return this.clusters.cluster(req);
  }

  @MessagePattern(Subjects.SearchMap.name)
  map(@Payload() req: MapRequest): Promise<MapResponse> {
    return this.maps.get(req);
  }

  @MessagePattern(Subjects.SearchMapStart.name)
  startMap(@Payload() req: MapRequest): Promise<JobRef> {
    return this.maps.start(req);
  }
}
