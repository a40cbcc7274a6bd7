import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  ImagesEmbedRequest,
  ImagesEmbedResponse,
  ModelInfoGetResponse,
  Subjects,
  TextEmbedRequest,
  TextEmbedResponse,
} from '@lookalike/contracts';
import { EmbeddingService } from '../services/embedding.service';

// In a hybrid app the microservice's global filters do not reach the handlers; bind it here.
@Controller()
export class EmbeddingController {
  constructor(private readonly embedding: EmbeddingService) {}

  @MessagePattern(Subjects.EmbeddingEmbedImages.name)
  embedImages(@Payload() request: ImagesEmbedRequest): Promise<ImagesEmbedResponse> {
    return this.embedding.embedImages(request);
  }

  @MessagePattern(Subjects.EmbeddingEmbedText.name)
  embedText(@Payload() request: TextEmbedRequest): Promise<TextEmbedResponse> {
    return this.embedding.embedText(request);
  }

  @MessagePattern(Subjects.EmbeddingModelInfo.name)
  modelInfo(): ModelInfoGetResponse {
    return this.embedding.modelInfo();
  }
}
