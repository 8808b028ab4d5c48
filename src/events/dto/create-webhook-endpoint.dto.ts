import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsDefined, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { ALL_EVENTS, EVENT_TYPES } from '../event-types';

export class CreateWebhookEndpointDto {
  @ApiProperty({
    example: 'https://example.com/webhooks/payments',
    maxLength: 2048,
    description: 'http(s); no credentials; not a loopback, private or link-local destination.',
  })
  @IsDefined()
  @IsString()
  @MaxLength(2048)
  url: string;

  @ApiPropertyOptional({
    type: [String],
    enum: [...EVENT_TYPES, ALL_EVENTS],
    default: [ALL_EVENTS],
    description: 'Event types to deliver; `*` (the default) for all.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(EVENT_TYPES.length + 1)
  @IsIn([...EVENT_TYPES, ALL_EVENTS], { each: true, message: `events must contain only ${[...EVENT_TYPES, ALL_EVENTS].join(', ')}` })
  events?: string[];
}
